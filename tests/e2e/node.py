"""A real node for end-to-end tests: `pyk8s agent` joined to a test server, and its cleanup.

`Agent` runs `pyk8s agent` as a child process (so a test can stop and
restart it while its containers keep running). `clean_node()` removes
everything a node leaves on this machine once its agent has stopped: it
starts the node's containerd once more and, through CRI, stops and removes
every pod sandbox (CNI DEL releases the IPs, network namespaces and
iptables chains of each pod), stops containerd, ends (by PID) any shim of
that containerd that outlived its task (with its containers' processes),
then unmounts what is left
under the data dir, deletes the CNI bridge and the portmap chains, and
removes the pod cgroups.
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


def _iptables_cni_chains() -> None:
    for table in ("nat", "filter"):
        out = subprocess.run(["iptables", "-t", table, "-S"], capture_output=True,
                             text=True).stdout
        for line in out.splitlines():
            if line.startswith("-A ") and "-j CNI-" in line and not line.split()[1].startswith(
                    "CNI-"):
                subprocess.run(["iptables", "-t", table,
                                *shlex.split(line.replace("-A ", "-D ", 1))],
                               capture_output=True)
        chains = [line.split()[1] for line in out.splitlines()
                  if line.startswith("-N CNI-")]
        for chain in chains:
            subprocess.run(["iptables", "-t", table, "-F", chain], capture_output=True)
        for chain in chains:
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
    try:
        asyncio.run(_remove_sandboxes(data_dir))
    finally:  # whatever CRI could not remove, the rest still goes
        _kill_stray_shims(data_dir)
        _clean_host(data_dir)


def _clean_host(data_dir: Path) -> None:
    from pyk8s.dns import clusterdns
    from pyk8s.kubelet.cni import BRIDGE
    from pyk8s.kubelet.volumes import unmount_all
    from pyk8s.proxy import iptables

    unmount_all(data_dir)
    subprocess.run(["ip", "link", "delete", BRIDGE], capture_output=True)
    _iptables_cni_chains()
    iptables.cleanup()  # kube-proxy's chains, and cluster DNS's address
    clusterdns.cleanup()
    _remove_cgroups()
