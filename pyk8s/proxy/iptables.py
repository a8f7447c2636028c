"""Applying the ruleset to the kernel, and taking it away again.

`restore()` feeds a rendered ruleset to one `iptables-restore --noflush`
(both tables, each atomically). The jumps into our chains from the
built-in chains are not part of it (they would be appended again on every
restore); `ensure_jumps()` checks each with `iptables -C` and inserts the
missing ones first in their chain. `our_chains()` reads which of our chains
exist (`iptables-save`), so the first sync after a restart deletes leftovers.

`cleanup()` removes every jump into our chains and every chain of ours, in
both tables: the proxy calls it on a clean shutdown, and tests call it after
themselves. `enable_route_localnet()` lets node ports answer on 127.0.0.1
(DNAT from a loopback address to a pod), as kube-proxy does.
"""

from __future__ import annotations

import shlex
import subprocess
from pathlib import Path

from pyk8s.proxy.rules import is_ours

IPTABLES = "iptables"
ROUTE_LOCALNET = Path("/proc/sys/net/ipv4/conf/all/route_localnet")

PORTALS = "kubernetes service portals"
JUMPS: tuple[tuple[str, str, str], ...] = (  # table, built-in chain, rule
    ("nat", "PREROUTING", f'-m comment --comment "{PORTALS}" -j KUBE-SERVICES'),
    ("nat", "OUTPUT", f'-m comment --comment "{PORTALS}" -j KUBE-SERVICES'),
    ("nat", "POSTROUTING", '-m comment --comment "kubernetes postrouting rules" '
                           "-j KUBE-POSTROUTING"),
    ("filter", "INPUT", f'-m conntrack --ctstate NEW -m comment --comment "{PORTALS}" '
                        "-j KUBE-SERVICES"),
    ("filter", "FORWARD", f'-m conntrack --ctstate NEW -m comment --comment "{PORTALS}" '
                          "-j KUBE-SERVICES"),
    ("filter", "OUTPUT", f'-m conntrack --ctstate NEW -m comment --comment "{PORTALS}" '
                         "-j KUBE-SERVICES"),
    ("filter", "INPUT", '-m conntrack --ctstate NEW -m comment --comment '
                        '"kubernetes externally-visible service portals" '
                        "-j KUBE-EXTERNAL-SERVICES"),
    ("filter", "FORWARD", '-m conntrack --ctstate NEW -m comment --comment '
                          '"kubernetes externally-visible service portals" '
                          "-j KUBE-EXTERNAL-SERVICES"),
    ("filter", "FORWARD", '-m comment --comment "kubernetes forwarding rules" -j KUBE-FORWARD'),
    ("filter", "INPUT", "-j KUBE-FIREWALL"),
    ("filter", "OUTPUT", "-j KUBE-FIREWALL"),
)


class IPTablesError(Exception):
    pass


def _run(*args: str, input: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, input=input, capture_output=True, text=True, timeout=60)


def restore(text: str) -> None:
    out = _run(f"{IPTABLES}-restore", "--noflush", input=text)
    if out.returncode != 0:
        raise IPTablesError(f"iptables-restore failed: {out.stderr.strip()}")


def _save(table: str) -> list[str]:
    out = _run(f"{IPTABLES}-save", "-t", table)
    if out.returncode != 0:
        raise IPTablesError(f"iptables-save -t {table} failed: {out.stderr.strip()}")
    return out.stdout.splitlines()


def our_chains() -> dict[str, set[str]]:
    return {table: {line[1:].split()[0] for line in _save(table)
                    if line.startswith(":") and is_ours(table, line[1:].split()[0])}
            for table in ("filter", "nat")}


def ensure_jumps() -> None:
    for table, chain, rule in JUMPS:
        spec = shlex.split(rule)
        if _run(IPTABLES, "-w", "-t", table, "-C", chain, *spec).returncode != 0:
            out = _run(IPTABLES, "-w", "-t", table, "-I", chain, "1", *spec)
            if out.returncode != 0:
                raise IPTablesError(f"adding the jump {chain} {rule}: {out.stderr.strip()}")


def enable_route_localnet() -> None:
    if ROUTE_LOCALNET.exists() and ROUTE_LOCALNET.read_text().strip() != "1":
        ROUTE_LOCALNET.write_text("1\n")


def cleanup() -> None:
    """Remove every kube-proxy jump and chain from the filter and nat tables."""
    for table in ("filter", "nat"):
        lines = _save(table)
        chains = [line[1:].split()[0] for line in lines
                  if line.startswith(":") and is_ours(table, line[1:].split()[0])]
        if not chains:
            continue
        for line in lines:
            words = shlex.split(line)
            if (len(words) > 3 and words[0] == "-A" and not is_ours(table, words[1])
                    and "-j" in words and is_ours(table, words[words.index("-j") + 1])):
                _run(IPTABLES, "-w", "-t", table, "-D", *words[1:])
        restore("\n".join([f"*{table}", *(f":{c} - [0:0]" for c in chains),
                           *(f"-X {c}" for c in chains), "COMMIT", ""]))
