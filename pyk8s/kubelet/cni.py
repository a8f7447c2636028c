"""The node's CNI network config, written from its Node's `spec.podCIDR`.

containerd's CRI plugin reads the first config in its conf dir and calls the
plugins it names for every pod sandbox (plus `loopback` on its own):

- `bridge` (`pyk8s0`, the pods' gateway is the subnet's first address,
  masquerade for traffic leaving the pod CIDR, hairpin so a pod reaches
  itself through a Service),
- `host-local` IPAM over the podCIDR, its lease files under the agent's data
  dir so they go with the node,
- `portmap` for `hostPort`.

Pods can be reached on their IPs from the host through the bridge. The file
is written atomically and only when it changes; containerd reloads it.
"""

from __future__ import annotations

import ipaddress
import json
from pathlib import Path

BRIDGE = "pyk8s0"
NETWORK = "pyk8s"
CONF_NAME = "10-pyk8s.conflist"


def conflist(pod_cidr: str, ipam_dir: Path) -> dict[str, object]:
    net = ipaddress.ip_network(pod_cidr, strict=False)
    return {
        "cniVersion": "0.4.0",
        "name": NETWORK,
        "plugins": [
            {
                "type": "bridge", "bridge": BRIDGE, "isGateway": True, "ipMasq": True,
                "hairpinMode": True,
                "ipam": {
                    "type": "host-local", "dataDir": str(ipam_dir),
                    "ranges": [[{"subnet": str(net), "gateway": str(net.network_address + 1)}]],
                    "routes": [{"dst": "0.0.0.0/0"}],
                },
            },
            {"type": "portmap", "capabilities": {"portMappings": True}, "snat": True},
        ],
    }


def write_config(conf_dir: Path, pod_cidr: str, ipam_dir: Path) -> bool:
    """Write the conflist for `pod_cidr`; True if the file changed."""
    conf_dir.mkdir(parents=True, exist_ok=True)
    path = conf_dir / CONF_NAME
    text = json.dumps(conflist(pod_cidr, ipam_dir), indent=2) + "\n"
    if path.exists() and path.read_text() == text:
        return False
    tmp = path.with_suffix(".tmp")
    tmp.write_text(text)
    tmp.rename(path)
    return True
