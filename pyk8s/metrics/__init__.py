"""The resource metrics pipeline: kubelets' `/stats/summary` -> `metrics.k8s.io/v1beta1`.

In Kubernetes metrics-server scrapes every kubelet and serves NodeMetrics and
PodMetrics through the API server's aggregation layer; `kubectl top` and the
HorizontalPodAutoscaler read them. pyk8s runs the same pipeline inside the
API server process:

- `scraper.MetricsScraper` lists the Nodes and Pods from the API server's own
  storage every `--metric-resolution` (15 s by default) and asks each node's
  kubelet for its Summary (HTTPS to the node's InternalIP and kubelet port,
  with the node token, as pods/log does). CPU usage is the rate of the
  cumulative `usageCoreNanoSeconds` between two scrapes, as metrics-server
  computes it, so a container shows up from its second scrape on; memory is
  the working set. Only the latest window is kept, in memory.
- `simulated` gives the usage of pods on simulated nodes (nodes whose
  `containerRuntimeVersion` is `simulated://...`, see `pyk8s.agent.simulated`):
  nothing runs there, so each container of a Running pod uses what the pod's
  annotations say, `pyk8s.io/simulate-cpu: 300m` and
  `pyk8s.io/simulate-memory: 64Mi` (0 if absent), read afresh at every scrape;
  the node uses the sum of its pods.
- `api.handle` answers get and list of `nodes` and `pods` in
  `metrics.k8s.io/v1beta1` from that window, with label selectors (on the
  node's or pod's labels) and `metadata.name` / `metadata.namespace` field
  selectors, as JSON or as a Table for `kubectl get`.
"""
