"""The kubelet: the pods bound to this node, run in containerd through CRI v1.

- `kubelet.py`: the informer of this node's pods, a `PodWorker` per pod
  (`podworker.py`: sandbox, init and app containers, restarts with back-off,
  graceful deletion), the runtime relist; `status.py` turns what CRI shows
  into the pod status Kubernetes reports;
- `cri.py` (the gRPC client), `images.py` (pull policy, pull secrets,
  back-off), `imagebuild.py` (the node's own offline images), `cni.py`
  (the bridge network of the node's podCIDR);
- `envvars.py`, `downward.py`, `volumes/`: what goes into containers;
- `probes.py`, `hooks.py`: liveness/readiness/startup and lifecycle hooks;
- `node.py`: the Node object, its status and its Lease;
- `server.py`: the HTTPS API on port 10250 that the API server proxies to
  (`logs.py`, `streaming.py` with `spdy.py` for exec/attach/port-forward,
  `stats.py`).

The agent (`pyk8s.agent`) starts containerd and assembles these.
"""
