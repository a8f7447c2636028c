"""A real node for end-to-end tests: `pyk8s agent` joined to a test server, and its cleanup.

`Agent` runs `pyk8s agent` as a child process (so a test can stop and
restart it while its containers keep running). `clean_node()` removes
everything a node leaves on this machine once its agent has stopped: it
starts the node's containerd once more and, through CRI, stops and removes
every pod sandbox (CNI DEL releases the IPs, network namespaces and
iptables chains of each pod), stops containerd, ends (by PID) any shim of
that containerd that outlived its task (with its containers' processes),
then unmounts what is left under the data dir, deletes the CNI bridge (when
no other node's pod is attached to it) and whatever per-pod iptables chains
of this node CNI left, and removes the (empty) pod cgroups.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shlex
import shutil
import signal
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from tests.support import ROOT, free_port, stop_process


def runtime_unavailable() -> str | None:
    """Why real pods cannot run here, or None."""
    if os.geteuid() != 0:
        return "end-to-end tests need root (containerd, mounts, iptables)"
    for binary in ("containerd", "runc", "ctr", "iptables"):
        if shutil.which(binary) is None:
            return f"{binary} is not installed (scripts/setup installs it, as root)"
    if not Path("/usr/lib/cni/bridge").exists() and not Path("/opt/cni/bin/bridge").exists():
        return "CNI plugins are not installed (containernetworking-plugins)"
    if not Path("/bin/busybox").exists():
        return "busybox-static is not installed"
    return None


@dataclass
class Agent:
    data_dir: Path
    server_url: str
    token: str
    node_name: str = "e2e-node"
    # Not 10250: a free port, so that the test node does not clash with a kubelet
    # already on this machine (the API server finds it in the Node's status).
    kubelet_port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None

    @property
    def log_path(self) -> Path:
        return self.data_dir.parent / f"{self.data_dir.name}-agent.log"

    def start(self) -> Agent:
        log = open(self.log_path, "ab")  # noqa: SIM115 - owned by the process
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "pyk8s.cli.main", "agent", "--server", self.server_url,
             "--token", self.token, "--data-dir", str(self.data_dir), "--node-name",
             self.node_name, "--node-ip", "127.0.0.1", "--kubelet-port", str(self.kubelet_port)],
            stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
        log.close()
        return self

    def stop(self) -> None:
        if self.proc is not None:
            stop_process(self.proc, timeout=30)

    def log(self) -> str:
        return self.log_path.read_text()[-4000:] if self.log_path.exists() else ""


async def _remove_sandboxes(data_dir: Path) -> None:
    from pyk8s.agent.containerd import Containerd
    from pyk8s.kubelet.cri import CRI, pb

    containerd = Containerd(data_dir / "agent" / "containerd")
    await containerd.start()
    try:
        async with CRI(containerd.address) as cri:
            await cri.wait_ready()
            reply = await cri.runtime.ListPodSandbox(pb.ListPodSandboxRequest())
            for s in reply.items:
                with contextlib.suppress(Exception):
                    await cri.runtime.StopPodSandbox(
                        pb.StopPodSandboxRequest(pod_sandbox_id=s.id))
                with contextlib.suppress(Exception):
                    await cri.runtime.RemovePodSandbox(
                        pb.RemovePodSandboxRequest(pod_sandbox_id=s.id))
    finally:
        await containerd.stop()


def _sandbox_ids(data_dir: Path) -> set[str]:
    """Every sandbox this node's containerd knows of, from its root and state dirs."""
    base = data_dir / "agent" / "containerd"
    ids: set[str] = set()
    for d in (base / "root", base / "state"):
        sandboxes = d / "io.containerd.grpc.v1.cri" / "sandboxes"
        if sandboxes.is_dir():
            ids |= {p.name for p in sandboxes.iterdir()}
    return ids


def _iptables_cni_chains(sandbox_ids: set[str]) -> None:
    """The per-pod chains CNI DEL did not remove, for this node's sandboxes only
    (their rules name the sandbox ID in a comment): another node on this machine
    keeps its own."""
    for table in ("nat", "filter"):
        out = subprocess.run(["iptables", "-t", table, "-S"], capture_output=True,
                             text=True).stdout
        chains = set()
        for line in out.splitlines():
            words = shlex.split(line)
            if line.startswith("-A ") and "-j" in words and any(
                    sid in line for sid in sandbox_ids):
                target = words[words.index("-j") + 1]
                subprocess.run(["iptables", "-t", table, "-D", *words[1:]],
                               capture_output=True)
                if target.startswith("CNI-") and not target.startswith("CNI-HOSTPORT"):
                    chains.add(target)
        for chain in chains:
            subprocess.run(["iptables", "-t", table, "-F", chain], capture_output=True)
            subprocess.run(["iptables", "-t", table, "-X", chain], capture_output=True)


def _remove_cgroups() -> None:
    root = Path("/sys/fs/cgroup")
    for hierarchy in [root, *root.iterdir()]:
        top = hierarchy / "pyk8s"
        if not top.is_dir():
            continue
        for dirpath, _, _ in sorted(os.walk(top), key=lambda x: -len(x[0])):
            with contextlib.suppress(OSError):
                os.rmdir(dirpath)


def _parents() -> dict[int, int]:
    out = {}
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            with contextlib.suppress(OSError, ValueError, IndexError):
                out[int(proc.name)] = int((proc / "stat").read_text().rsplit(")", 1)[1]
                                          .split()[1])
    return out


def _kill_stray_shims(data_dir: Path) -> None:
    """Shims of this node's containerd that outlived CRI's removal, and their
    containers' processes (the shim is their parent), by PID."""
    socket = str(data_dir / "agent" / "containerd" / "state" / "containerd.sock")
    shims = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            argv = (proc / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if argv and argv[0].endswith(b"containerd-shim-runc-v2") and socket.encode() in argv:
            shims.append(int(proc.name))
    parents = _parents()
    doomed = set(shims)
    while True:
        more = {pid for pid, ppid in parents.items() if ppid in doomed} - doomed
        if not more:
            break
        doomed |= more
    for pid in doomed:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def clean_node(data_dir: Path) -> None:
    sandbox_ids = _sandbox_ids(data_dir)
    try:
        asyncio.run(_remove_sandboxes(data_dir))
    finally:  # whatever CRI could not remove, the rest still goes
        _kill_stray_shims(data_dir)
        _clean_host(data_dir, sandbox_ids)


def _clean_host(data_dir: Path, sandbox_ids: set[str]) -> None:
    from pyk8s.dns import clusterdns
    from pyk8s.kubelet.cni import BRIDGE
    from pyk8s.kubelet.volumes import unmount_all
    from pyk8s.proxy import iptables

    unmount_all(data_dir)
    attached = subprocess.run(["ip", "-o", "link", "show", "master", BRIDGE],
                              capture_output=True, text=True).stdout.strip()
    if not attached:  # another node's pods may still hang off the bridge
        subprocess.run(["ip", "link", "delete", BRIDGE], capture_output=True)
        iptables.cleanup()  # kube-proxy's chains, and cluster DNS's address
        clusterdns.cleanup()
    _iptables_cni_chains(sandbox_ids)
    _remove_cgroups()
