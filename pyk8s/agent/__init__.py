"""The node agent (`pyk8s agent`, and the one `pyk8s server` runs for its own machine).

`agent.py` assembles a node: containerd (containerd.py), the images an
air-gapped node needs (images.py), the Node object and its Lease, the
kubelet and the kubelet's HTTPS server (all in `pyk8s.kubelet`).
"""
