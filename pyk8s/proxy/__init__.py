"""kube-proxy in iptables mode: Services made real on each node.

- `serviceport.py`: what a Service and its EndpointSlices mean for one node,
  as plain `ServicePort`s with their usable endpoints (pure; DNS reads the
  same view);
- `rules.py`: the whole ruleset for the filter and nat tables, rendered as
  one `iptables-restore` input with Kubernetes' chain names (pure);
- `iptables.py`: applying it (`iptables-restore --noflush`), the jumps from
  the built-in chains, and `cleanup()` which removes everything;
- `conntrack.py`: forgetting UDP flows whose endpoint went away;
- `proxier.py`: `Proxier`, the agent's component: informers on Services and
  EndpointSlices, rate-limited syncs, cleanup on the way out.
"""
