"""containerd, run by the agent with a config of its own.

The agent never touches a system containerd: it writes
`<data-dir>/agent/containerd/config.toml` (own root, state and socket, so
nothing clashes with another containerd on the machine) and starts Debian's
`containerd` with it:

- the CRI plugin with the project's sandbox image (`PAUSE_IMAGE`, imported
  from the archives the agent builds itself, so nothing is pulled), the
  runc v2 shim with Debian's runc, cgroupfs (no systemd here);
- CNI binaries from Debian's containernetworking-plugins and a conf dir the
  kubelet writes once it knows the node's podCIDR;
- network namespaces under the state dir, so they go with the node;
- `restrict_oom_score_adj = true` when this process may not lower OOM scores
  (inside a container, say), as containerd would otherwise fail every pod.

containerd runs in its own session: a Ctrl-C to the agent does not reach it,
and the agent stops it itself on shutdown. Containers live on in their shims
either way, and a containerd started again (or still running, if the agent
died) picks them up, so an agent restart restarts no container.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import shutil
import signal
import subprocess
from dataclasses import dataclass
from pathlib import Path

from pyk8s.kubelet.imagebuild import PAUSE_IMAGE

log = logging.getLogger(__name__)

CNI_BIN_DIRS = ("/usr/lib/cni", "/opt/cni/bin")
NAMESPACE = "k8s.io"  # the containerd namespace the CRI plugin uses


class RuntimeUnavailable(Exception):
    """containerd cannot run here; the message says why and what to install."""


@dataclass(frozen=True)
class ContainerdPaths:
    base: Path  # <data-dir>/agent/containerd

    @property
    def root(self) -> Path:
        return self.base / "root"

    @property
    def state(self) -> Path:
        return self.base / "state"

    @property
    def socket(self) -> Path:
        return self.state / "containerd.sock"

    @property
    def config(self) -> Path:
        return self.base / "config.toml"

    @property
    def log_file(self) -> Path:
        return self.base / "containerd.log"

    @property
    def cni_conf_dir(self) -> Path:
        return self.base.parent / "cni" / "net.d"

    @property
    def pid_file(self) -> Path:
        return self.base / "containerd.pid"


def cni_bin_dir() -> str:
    for d in CNI_BIN_DIRS:
        if Path(d, "bridge").exists():
            return d
    return CNI_BIN_DIRS[0]


def can_lower_oom_score() -> bool:
    try:
        current = Path("/proc/self/oom_score_adj").read_text().strip()
        Path("/proc/self/oom_score_adj").write_text(str(int(current) - 1))
        Path("/proc/self/oom_score_adj").write_text(current)
        return True
    except (OSError, ValueError):
        return False


def config_toml(paths: ContainerdPaths) -> str:
    restrict = "false" if can_lower_oom_score() else "true"
    runc = shutil.which("runc") or "runc"
    return f"""\
version = 2
root = "{paths.root}"
state = "{paths.state}"
disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs",
  "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.zfs",
  "io.containerd.tracing.processor.v1.otlp", "io.containerd.internal.v1.tracing"]

[grpc]
  address = "{paths.socket}"

[ttrpc]
  address = "{paths.state}/containerd.sock.ttrpc"

[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "{PAUSE_IMAGE}"
  restrict_oom_score_adj = {restrict}
  netns_mounts_under_state_dir = true
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  enable_selinux = false
  max_container_log_line_size = 16384
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        BinaryName = "{runc}"
        SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "{cni_bin_dir()}"
    conf_dir = "{paths.cni_conf_dir}"
    max_conf_num = 1
"""


def check_host() -> None:
    """Raise RuntimeUnavailable with a clear reason if pods cannot run here."""
    if os.geteuid() != 0:
        raise RuntimeUnavailable("the node agent needs root (containerd, mounts, iptables)")
    missing = [b for b in ("containerd", "runc", "ctr") if shutil.which(b) is None]
    if missing:
        raise RuntimeUnavailable(
            f"{', '.join(missing)} not found: install Debian's containerd and runc "
            "(scripts/setup does, as root)")
    if not Path(cni_bin_dir(), "bridge").exists():
        raise RuntimeUnavailable("CNI plugins not found: install Debian's "
                                 "containernetworking-plugins")


class Containerd:
    """Starts (or finds running) the node's containerd and stops it again."""

    def __init__(self, base: Path) -> None:
        self.paths = ContainerdPaths(base)
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def address(self) -> str:
        return str(self.paths.socket)

    async def _answers(self) -> bool:
        if not self.paths.socket.exists():
            return False
        proc = await asyncio.create_subprocess_exec(
            "ctr", "--address", self.address, "version",
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)
        return await proc.wait() == 0

    async def start(self, timeout: float = 30.0) -> None:
        check_host()
        p = self.paths
        for d in (p.root, p.state, p.cni_conf_dir):
            d.mkdir(parents=True, exist_ok=True)
        p.config.write_text(config_toml(p))
        if await self._answers():
            log.info("containerd already running on %s; using it", p.socket)
            return
        with p.log_file.open("ab") as out:
            self.process = subprocess.Popen(
                ["containerd", "--config", str(p.config)], stdout=out, stderr=out,
                stdin=subprocess.DEVNULL, start_new_session=True)
        p.pid_file.write_text(str(self.process.pid))
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not await self._answers():
            if self.process.poll() is not None:
                raise RuntimeUnavailable(
                    f"containerd exited with {self.process.returncode}; see {p.log_file}")
            if loop.time() > deadline:
                raise RuntimeUnavailable(f"containerd did not answer in {timeout:.0f}s; "
                                         f"see {p.log_file}")
            await asyncio.sleep(0.1)
        log.info("containerd %d started on %s", self.process.pid, p.socket)

    async def stop(self, timeout: float = 10.0) -> None:
        """Stop the containerd this object started (containers stay, in their shims)."""
        proc, self.process = self.process, None
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(signal.SIGTERM)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while proc.poll() is None and loop.time() < deadline:
            await asyncio.sleep(0.05)
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        with contextlib.suppress(FileNotFoundError):
            self.paths.pid_file.unlink()
