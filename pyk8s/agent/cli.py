"""Command-line parts of the node agent, plugged into `pyk8s` (cli/main.py).

- `pyk8s agent --server URL --token TOKEN [--data-dir D] [--node-name N]
  [--node-ip IP] [--node-labels k=v,..] [--node-taints k=v:Effect,..]`:
  join a cluster as a node. The token is the server's
  `<data-dir>/node-token`; the API server's certificate is not checked
  against a CA (the token is the shared secret), as a first join in k3s.
- `pyk8s images import [--data-dir D] FILE...` and `pyk8s images ls`:
  images for air-gapped nodes, into the node's containerd (running, or
  started for the purpose and stopped again).
- `pyk8s server` runs the same agent for its own machine as a component,
  unless `--disable-agent`. When this machine cannot run pods (not root, no
  containerd), the server says why once and serves on without a node.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pyk8s.apiserver.server import Component
    from pyk8s.client import APIClient

log = logging.getLogger("pyk8s.agent")


def _node_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("--node-name", default="", help="this node's name (default: hostname)")
    p.add_argument("--node-ip", default="", help="this node's InternalIP (default: the "
                                                 "address of the default route's interface)")
    p.add_argument("--node-labels", default="", help="labels to register with: k=v,k2=v2")
    p.add_argument("--node-taints", default="",
                   help="taints to register with: key=value:NoSchedule,...")
    p.add_argument("--kubelet-port", type=int, default=10250)
    p.add_argument("--dns-upstream", default="",
                   help="servers cluster DNS forwards other names to: IP[:PORT],... "
                        "(default: none, such names are refused)")


def add_server_flags(s: argparse.ArgumentParser) -> None:
    _node_flags(s)


def add_commands(sub: Any, default_data_dir: Path) -> None:
    a = sub.add_parser("agent", help="join a cluster as a node (containerd + kubelet)")
    a.add_argument("--server", required=True, help="the API server, https://HOST:6443")
    a.add_argument("--token", required=True, help="the server's <data-dir>/node-token")
    a.add_argument("--data-dir", type=Path, default=default_data_dir)
    _node_flags(a)

    i = sub.add_parser("images", help="import or list node images (air-gapped nodes)")
    isub = i.add_subparsers(dest="images_command", required=True)
    imp = isub.add_parser("import", help="import OCI or docker archives")
    imp.add_argument("--data-dir", type=Path, default=default_data_dir)
    imp.add_argument("files", nargs="+", type=Path)
    ls = isub.add_parser("ls", help="list the node's images")
    ls.add_argument("--data-dir", type=Path, default=default_data_dir)


def _config(args: argparse.Namespace, token: str) -> Any:
    from pyk8s.agent.agent import AgentConfig
    from pyk8s.kubelet.node import parse_labels, parse_taints

    config = AgentConfig(data_dir=args.data_dir, token=token,
                         labels=parse_labels(args.node_labels),
                         taints=parse_taints(args.node_taints),
                         kubelet_port=args.kubelet_port,
                         dns_upstreams=[u for u in args.dns_upstream.split(",") if u])
    if args.node_name:
        config.node_name = args.node_name
    if args.node_ip:
        config.node_ip = args.node_ip
    return config


def components(args: argparse.Namespace) -> dict[str, Component]:
    """The server's own node agent, unless --disable-agent or the host cannot run one."""
    if args.disable_agent:
        return {}
    from pyk8s.agent.containerd import RuntimeUnavailable, check_host

    try:
        check_host()
    except RuntimeUnavailable as e:
        log.warning("not running a node agent on this machine: %s "
                    "(pods stay Pending until a node joins; --disable-agent silences this)", e)
        return {}

    async def agent(client: APIClient) -> None:
        from pyk8s.agent.agent import run_agent

        token = (args.data_dir / "node-token").read_text().strip()
        config = _config(args, token)
        # As k3s does, the server's own node says it runs the control plane.
        config.labels = {"node-role.kubernetes.io/control-plane": "true", **config.labels}
        try:
            await run_agent(client, config)
        except RuntimeUnavailable as e:
            log.error("node agent stopped: %s", e)
            await asyncio.Event().wait()  # say it once; the server carries on

    return {"agent": agent}


async def _join(args: argparse.Namespace) -> int:
    from pyk8s.agent.agent import run_agent
    from pyk8s.agent.containerd import RuntimeUnavailable, check_host
    from pyk8s.client import APIClient, ClientConfig

    try:
        check_host()
    except RuntimeUnavailable as e:
        print(f"pyk8s agent: {e}", file=sys.stderr)
        return 1
    client_config = ClientConfig(server=args.server, token=args.token,
                                 insecure_skip_tls_verify=True)
    task = asyncio.current_task()
    assert task is not None
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, task.cancel)
    try:
        async with APIClient(client_config, user_agent="pyk8s-agent") as client:
            await run_agent(client, _config(args, args.token))
    except asyncio.CancelledError:
        return 0
    except RuntimeUnavailable as e:
        print(f"pyk8s agent: {e}", file=sys.stderr)
        return 1
    return 0


async def _images(args: argparse.Namespace) -> int:
    from pyk8s.agent import images
    from pyk8s.agent.containerd import Containerd, RuntimeUnavailable

    containerd = Containerd(args.data_dir / "agent" / "containerd")
    try:
        await containerd.start()
    except RuntimeUnavailable as e:
        print(f"pyk8s images: {e}", file=sys.stderr)
        return 1
    try:
        if args.images_command == "ls":
            sys.stdout.write(await images.list_images(containerd.address))
            return 0
        for f in args.files:
            if not f.exists():
                print(f"pyk8s images: {f}: no such file", file=sys.stderr)
                return 1
            print(await images.import_archive(containerd.address, f))
        return 0
    except images.ImageImportError as e:
        print(f"pyk8s images: {e}", file=sys.stderr)
        return 1
    finally:
        await containerd.stop()


def run_command(args: argparse.Namespace) -> int:
    """`pyk8s agent` and `pyk8s images`."""
    import uvloop

    if args.command == "agent":
        return uvloop.run(_join(args))
    return uvloop.run(_images(args))
