"""The `pyk8s` command: `server` runs a control plane, `kubeconfig` prints its credentials.

Like k3s, one program with subcommands and defaults that give a working
cluster from the first command (`pyk8s server`); flags for everything else.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import sys
from pathlib import Path


def default_data_dir() -> Path:
    if os.geteuid() == 0:
        return Path("/var/lib/pyk8s")
    return Path.home() / ".local/share/pyk8s"


def _duration(text: str) -> float:
    units = {"ms": 0.001, "s": 1, "m": 60, "h": 3600}
    for suffix in sorted(units, key=len, reverse=True):
        if text.endswith(suffix):
            return float(text[: -len(suffix)]) * units[suffix]
    return float(text)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="pyk8s", description="Kubernetes, written in Python.")
    p.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser("server", help="run the control plane (API server, datastore)")
    s.add_argument("--data-dir", type=Path, default=default_data_dir())
    s.add_argument("--bind-address", default="127.0.0.1")
    s.add_argument("--https-listen-port", type=int, default=6443)
    s.add_argument("--advertise-address", default="",
                   help="address other nodes and pods reach the API server at")
    s.add_argument("--tls-san", action="append", default=[],
                   help="extra name or IP for the serving certificate")
    s.add_argument("--datastore-endpoint", default="",
                   help="SQLite file path (default: in the data dir) or http://HOST:PORT for "
                        "etcd")
    s.add_argument("--compaction-interval", type=_duration, default=300.0,
                   help="how much datastore history to keep, e.g. 5m")
    s.add_argument("--metric-resolution", type=_duration, default=15.0,
                   help="how often resource metrics are scraped from the kubelets, e.g. 15s")
    s.add_argument("--disable-agent", action="store_true",
                   help="do not run a node agent on this machine")
    from pyk8s.controllers.manager import add_flags as add_controller_manager_flags

    add_controller_manager_flags(s, _duration)
    from pyk8s.agent import cli as agent_cli

    agent_cli.add_server_flags(s)
    agent_cli.add_commands(sub, default_data_dir())
    from pyk8s.agent.simulated import add_flags as add_simulated_node_flags

    s.add_argument("--disable-scheduler", action="store_true", help="do not run the scheduler")
    add_simulated_node_flags(s, sub.choices["agent"])
    from pyk8s.ingress.cli import add_flags as add_ingress_flags

    add_ingress_flags(s)

    k = sub.add_parser("kubeconfig", help="print the admin kubeconfig")
    k.add_argument("--data-dir", type=Path, default=default_data_dir())
    return p


async def _serve(args: argparse.Namespace) -> None:
    from pyk8s.agent import cli as agent_cli
    from pyk8s.agent import simulated
    from pyk8s.apiserver.server import APIServer, ServerConfig
    from pyk8s.controllers import manager as controller_manager
    from pyk8s.ingress import cli as ingress_cli
    from pyk8s.scheduler import run_scheduler

    scheduler = {} if args.disable_scheduler else {"scheduler": run_scheduler}

    server = APIServer(ServerConfig(
        data_dir=args.data_dir,
        bind_address=args.bind_address,
        port=args.https_listen_port,
        datastore_endpoint=args.datastore_endpoint,
        advertise_address=args.advertise_address,
        tls_san=args.tls_san,
        compaction_interval=args.compaction_interval,
        metric_resolution=args.metric_resolution,
        components={**controller_manager.components(args), **scheduler,
                    **agent_cli.components(args), **simulated.components(args),
                    **ingress_cli.components(args)},
    ))
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, server.stop)
    await server.run()


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    if args.command == "kubeconfig":
        path = args.data_dir / "kubeconfig.yaml"
        if not path.exists():
            print(f"no kubeconfig at {path}: has `pyk8s server` run?", file=sys.stderr)
            return 1
        sys.stdout.write(path.read_text())
        return 0
    if args.command == "agent" and args.simulate:
        from pyk8s.agent.simulated import run_agent

        return run_agent(args)
    if args.command in ("agent", "images"):
        from pyk8s.agent.cli import run_command

        return run_command(args)
    import uvloop

    uvloop.run(_serve(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
