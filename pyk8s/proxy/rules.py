"""The whole kube-proxy ruleset, rendered as one `iptables-restore` input.

Every sync writes all of it: each chain of ours is declared (`:CHAIN - [0:0]`,
which empties it under `--noflush`), refilled, and chains of ours that are
no longer wanted are deleted (`-X`), one transaction per table, so traffic
never sees a half-written set. Tables other than ours, and chains that are
not ours in them, are left alone. Chain names are Kubernetes': the first 16
characters of base32(sha256(...)) of the ServicePortName and protocol (and
the endpoint, for KUBE-SEP-), so the rules read as on any Kubernetes node.

nat:
- `KUBE-SERVICES` (from PREROUTING and OUTPUT): cluster IP, external IPs and
  load balancer ingress IPs of each port with endpoints; last, the jump to
  `KUBE-NODEPORTS` for packets to any local address (node IPs, 127.0.0.1);
- `KUBE-SVC-*`: traffic not from the pod CIDR is marked for masquerade, then
  one `statistic --mode random` rule per endpoint with probability 1/(n-i),
  so each of n endpoints gets 1/n; with ClientIP affinity, `recent --rcheck`
  rules first send a client back to the endpoint it last used;
- `KUBE-EXT-*` (node ports, external and LB IPs): mark for masquerade, then
  the service chain; with `externalTrafficPolicy: Local`, no masquerade and
  `KUBE-SVL-*`, the same balancing over this node's endpoints only (pods and
  the node itself still reach every endpoint); `internalTrafficPolicy:
  Local` sends cluster IP traffic to `KUBE-SVL-*` too;
- `KUBE-SEP-*`: an endpoint calling its own service is marked (hairpin), and
  DNAT (with `recent --set` under affinity);
- `KUBE-MARK-MASQ` sets mark 0x4000, `KUBE-POSTROUTING` masquerades marked
  packets (and clears the mark).

filter:
- `KUBE-SERVICES` (INPUT, FORWARD, OUTPUT, new connections) and
  `KUBE-EXTERNAL-SERVICES` (INPUT, FORWARD): REJECT for ports without
  endpoints, so clients get "connection refused" at once (DROP for external
  traffic under the Local policy when only other nodes have endpoints);
- `KUBE-FORWARD` accepts marked and established service traffic even where
  FORWARD's policy drops;
- `KUBE-FIREWALL` drops packets to 127.0.0.0/8 arriving from elsewhere, since
  node ports on 127.0.0.1 need `route_localnet`.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field

from pyk8s.proxy.serviceport import Endpoint, ServicePort

MASQ_MARK = "0x4000"
NODEPORTS_COMMENT = "kubernetes service nodeports; NOTE: this must be the last rule in this chain"

# Chains every ruleset has, per table.
NAT_CHAINS = ("KUBE-SERVICES", "KUBE-NODEPORTS", "KUBE-POSTROUTING", "KUBE-MARK-MASQ")
FILTER_CHAINS = ("KUBE-SERVICES", "KUBE-EXTERNAL-SERVICES", "KUBE-FORWARD", "KUBE-FIREWALL")
# Names of chains that are ours (cleanup removes exactly these).
PER_SERVICE_PREFIXES = ("KUBE-SVC-", "KUBE-SVL-", "KUBE-SEP-", "KUBE-EXT-")


def is_ours(table: str, chain: str) -> bool:
    fixed = NAT_CHAINS if table == "nat" else FILTER_CHAINS
    return chain in fixed or (table == "nat" and chain.startswith(PER_SERVICE_PREFIXES))


def _hash(text: str) -> str:
    return base64.b32encode(hashlib.sha256(text.encode()).digest()).decode()[:16]


def service_chain(sp: ServicePort) -> str:
    return "KUBE-SVC-" + _hash(sp.key + sp.protocol.lower())


def external_chain(sp: ServicePort) -> str:
    return "KUBE-EXT-" + _hash(sp.key + sp.protocol.lower())


def local_chain(sp: ServicePort) -> str:
    return "KUBE-SVL-" + _hash(sp.key + sp.protocol.lower())


def endpoint_chain(sp: ServicePort, ep: Endpoint) -> str:
    return "KUBE-SEP-" + _hash(sp.key + sp.protocol.lower() + ep.address)


@dataclass
class Ruleset:
    text: str  # iptables-restore input
    chains: dict[str, set[str]] = field(default_factory=dict)  # table -> our chains in it


def _comment(text: str) -> str:
    return f'-m comment --comment "{text}"'


def _proto(sp: ServicePort) -> str:
    p = sp.protocol.lower()
    return f"-m {p} -p {p}"


def _missing(sp: ServicePort, local: bool) -> str:
    return f"{sp.key} has no {'local ' if local else ''}endpoints"


def _balance(sp: ServicePort, chain: str, endpoints: list[Endpoint]) -> list[str]:
    """Affinity checks, then one random jump per endpoint: each gets 1/n."""
    seps = [(ep, endpoint_chain(sp, ep)) for ep in endpoints]
    rules: list[str] = []
    if sp.affinity_seconds is not None:
        rules.extend(f"-A {chain} {_comment(f'{sp.key} -> {ep.address}')} -m recent "
                     f"--name {sep} --rcheck --seconds {sp.affinity_seconds} --reap -j {sep}"
                     for ep, sep in seps)
    n = len(seps)
    for i, (ep, sep) in enumerate(seps):
        chance = (f"-m statistic --mode random --probability {1 / (n - i):.10f} "
                  if i < n - 1 else "")
        rules.append(f"-A {chain} {_comment(f'{sp.key} -> {ep.address}')} {chance}-j {sep}")
    return rules


def _external_chain(sp: ServicePort, ext: str, svc: str | None, target: str,
                    cluster_cidr: str | None) -> list[str]:
    """KUBE-EXT-*: with the Cluster policy, masquerade and go to the service chain;
    with Local, keep the client's address and use this node's endpoints, except for
    pods and the node itself, which may use every endpoint."""
    if not sp.external_local:
        return [f"-A {ext} {_comment(f'masquerade traffic for {sp.key} external destinations')}"
                " -j KUBE-MARK-MASQ", f"-A {ext} -j {target}"]
    rules: list[str] = []
    if svc is not None:
        if cluster_cidr:
            rules.append(f"-A {ext} {_comment(f'pod traffic for {sp.key} external destinations')}"
                         f" -s {cluster_cidr} -j {svc}")
        rules.append(f"-A {ext} {_comment(f'masquerade LOCAL traffic for {sp.key} external destinations')} "  # noqa: E501
                     "-m addrtype --src-type LOCAL -j KUBE-MARK-MASQ")
        rules.append(f"-A {ext} {_comment(f'route LOCAL traffic for {sp.key} external destinations')} "  # noqa: E501
                     f"-m addrtype --src-type LOCAL -j {svc}")
    rules.append(f"-A {ext} -j {target}")
    return rules


def render(ports: Iterable[ServicePort], *, cluster_cidr: str | None,
           existing: dict[str, set[str]] | None = None) -> Ruleset:
    """The ruleset for `ports`; chains of ours in `existing` that it lacks are deleted."""
    nat_rules: list[str] = [
        f"-A KUBE-POSTROUTING -m mark ! --mark {MASQ_MARK}/{MASQ_MARK} -j RETURN",
        f"-A KUBE-POSTROUTING -j MARK --xor-mark {MASQ_MARK}",
        f"-A KUBE-POSTROUTING {_comment('kubernetes service traffic requiring SNAT')} "
        "-j MASQUERADE --random-fully",
        f"-A KUBE-MARK-MASQ -j MARK --or-mark {MASQ_MARK}",
    ]
    filter_rules: list[str] = [
        f"-A KUBE-FORWARD {_comment('kubernetes forwarding rules')} "
        f"-m mark --mark {MASQ_MARK}/{MASQ_MARK} -j ACCEPT",
        f"-A KUBE-FORWARD {_comment('kubernetes forwarding conntrack rule')} "
        "-m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT",
        f"-A KUBE-FIREWALL {_comment('block incoming localnet connections')} "
        "-d 127.0.0.0/8 ! -s 127.0.0.0/8 "
        "-m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP",
    ]
    nat_chains = list(NAT_CHAINS)
    nodeport_rules: list[str] = []
    for sp in sorted(ports, key=lambda p: (p.key, p.protocol)):
        proto = _proto(sp)
        dport = f"--dport {sp.port}"
        externals = [(ip, "external IP") for ip in sp.external_ips] + [
            (ip, "loadbalancer IP") for ip in sp.load_balancer_ips]
        svc, svl, ext = service_chain(sp), local_chain(sp), external_chain(sp)
        # Which endpoints each kind of traffic may use, and through which chain.
        internal = (svl, sp.local_endpoints) if sp.internal_local else (svc, sp.endpoints)
        external = (svl, sp.local_endpoints) if sp.external_local else (svc, sp.endpoints)
        has_externals = bool(externals or sp.node_port)

        if internal[1]:
            nat_rules.append(f"-A KUBE-SERVICES {_comment(sp.key + ' cluster IP')} {proto} "
                             f"-d {sp.cluster_ip}/32 {dport} -j {internal[0]}")
        else:
            filter_rules.append(f"-A KUBE-SERVICES {_comment(_missing(sp, sp.internal_local))}"
                                f" {proto} -d {sp.cluster_ip}/32 {dport} -j REJECT")
        if has_externals and external[1]:
            for ip, what in externals:
                nat_rules.append(f"-A KUBE-SERVICES {_comment(f'{sp.key} {what}')} {proto} "
                                 f"-d {ip}/32 {dport} -j {ext}")
            if sp.node_port:
                nodeport_rules.append(f"-A KUBE-NODEPORTS {_comment(sp.key)} {proto} "
                                      f"--dport {sp.node_port} -j {ext}")
            nat_chains.append(ext)
            nat_rules.extend(_external_chain(sp, ext, svc if sp.endpoints else None,
                                             external[0], cluster_cidr))
        elif has_externals:
            # No endpoints at all: refused; only remote ones (Local policy): dropped.
            verdict = "DROP" if sp.external_local and sp.endpoints else "REJECT"
            why = f"{_comment(_missing(sp, sp.external_local))} {proto}"
            filter_rules.extend(f"-A KUBE-EXTERNAL-SERVICES {why} -d {ip}/32 {dport} "
                                f"-j {verdict}" for ip, _ in externals)
            if sp.node_port:
                filter_rules.append(f"-A KUBE-EXTERNAL-SERVICES {why} -m addrtype "
                                    f"--dst-type LOCAL --dport {sp.node_port} -j {verdict}")

        used: dict[str, Endpoint] = {}
        for chain, endpoints, wanted_by in (
                (svc, sp.endpoints, (internal[0] == svc and internal[1]) or (
                    has_externals and bool(sp.endpoints))),
                (svl, sp.local_endpoints, (internal[0] == svl or external[0] == svl))):
            if not wanted_by or not endpoints:
                continue
            nat_chains.append(chain)
            if chain == internal[0]:
                source = f"! -s {cluster_cidr} " if cluster_cidr else ""
                nat_rules.append(f"-A {chain} {_comment(sp.key + ' cluster IP')} {proto} "
                                 f"-d {sp.cluster_ip}/32 {dport} {source}-j KUBE-MARK-MASQ")
            nat_rules.extend(_balance(sp, chain, endpoints))
            used.update((ep.address, ep) for ep in endpoints)
        for ep in sorted(used.values(), key=lambda e: (e.ip, e.port)):
            sep = endpoint_chain(sp, ep)
            nat_chains.append(sep)
            recent = f"-m recent --name {sep} --set " if sp.affinity_seconds is not None else ""
            nat_rules.append(f"-A {sep} {_comment(sp.key)} -s {ep.ip}/32 -j KUBE-MARK-MASQ")
            nat_rules.append(f"-A {sep} {_comment(sp.key)} {recent}{proto} "
                             f"-j DNAT --to-destination {ep.address}")
    nat_rules.extend(nodeport_rules)
    nat_rules.append(f"-A KUBE-SERVICES {_comment(NODEPORTS_COMMENT)} "
                     "-m addrtype --dst-type LOCAL -j KUBE-NODEPORTS")

    wanted = {"filter": set(FILTER_CHAINS), "nat": set(nat_chains)}
    lines: list[str] = []
    for table, chains, rules in (("filter", list(FILTER_CHAINS), filter_rules),
                                 ("nat", nat_chains, nat_rules)):
        stale = sorted((existing or {}).get(table, set()) - wanted[table])
        lines.append(f"*{table}")
        lines.extend(f":{c} - [0:0]" for c in [*chains, *stale])
        lines.extend(rules)
        lines.extend(f"-X {c}" for c in stale)
        lines.append("COMMIT")
    return Ruleset(text="\n".join(lines) + "\n", chains=wanted)
