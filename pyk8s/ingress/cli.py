"""`pyk8s server --ingress`: the Ingress controller as a control-plane component.

Off unless asked for (`--ingress`), because it takes the machine's ports
80 and 443; `--ingress-http-port`, `--ingress-https-port` and
`--ingress-bind-address` (default 0.0.0.0) move it. It needs nginx
(Debian's `nginx` package, which scripts/setup installs) and permission to
bind its ports; without nginx the server says so once and serves on. Its
files live in `<data-dir>/ingress/`. The address written to Ingress status
is the bind address, or for 0.0.0.0 the server's advertise address, else
the address of the default route's interface.
"""

from __future__ import annotations

import argparse
import logging
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pyk8s.apiserver.server import Component
    from pyk8s.client import APIClient

log = logging.getLogger("pyk8s.ingress")


def add_flags(s: argparse.ArgumentParser) -> None:
    s.add_argument("--ingress", action="store_true",
                   help="run the Ingress controller (nginx) for IngressClass controller "
                        "pyk8s.io/ingress-nginx")
    s.add_argument("--ingress-http-port", type=int, default=80, help="Ingress HTTP port")
    s.add_argument("--ingress-https-port", type=int, default=443, help="Ingress HTTPS port")
    s.add_argument("--ingress-bind-address", default="0.0.0.0",
                   help="address the Ingress ports listen on, written to Ingress status "
                        "unless 0.0.0.0")


def components(args: argparse.Namespace) -> dict[str, Component]:
    if not args.ingress:
        return {}
    from pyk8s.ingress.nginx import binary

    nginx = binary()
    if nginx is None:
        log.warning("not running the Ingress controller: nginx is not installed "
                    "(apt-get install nginx)")
        return {}
    address = args.ingress_bind_address
    if address in ("0.0.0.0", ""):
        from pyk8s.agent.agent import default_node_ip

        address = args.advertise_address or default_node_ip()

    async def ingress(client: APIClient) -> None:
        from pyk8s.client import SharedInformerFactory
        from pyk8s.ingress.controller import IngressController

        async with SharedInformerFactory(client) as informers:
            await IngressController(
                client, informers, args.data_dir / "ingress", address=address,
                http_port=args.ingress_http_port, https_port=args.ingress_https_port,
                bind_address=args.ingress_bind_address, nginx=nginx).run()

    return {"ingress": ingress}
