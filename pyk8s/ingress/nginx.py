"""`Nginx`: the nginx master process the ingress controller owns.

nginx runs in the foreground as our child (`nginx -c <dir>/nginx.conf -p
<dir>/ -g 'daemon off;'`, pid file `<dir>/nginx.pid`), with the parent-death
signal set so that it never outlives a killed controller. A config is
checked with `nginx -t` before it replaces the running one; a reload is a
SIGHUP, which nginx applies without dropping connections: new workers
start, the old ones finish what they serve (at most `worker_shutdown_timeout`)
and exit, and `reload` returns once they have. `stop` asks for a
graceful shutdown (SIGQUIT) and kills after a grace period.

A pid file left by a controller that died anyway (the machine's nginx is
not touched: only a process whose command line names our config) is ended
before a new master starts, as it would hold the ports.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import logging
import os
import re
import shutil
import signal
from pathlib import Path

log = logging.getLogger(__name__)

PR_SET_PDEATHSIG = 1


class NginxError(Exception):
    pass


def _die_with_parent() -> None:
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def binary() -> str | None:
    """The nginx program, if installed (root's PATH has /usr/sbin, others' may not)."""
    return shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/sbin")


def _emergencies(output: str) -> str:
    """nginx -t's complaints, without their timestamps and the closing summary."""
    lines = [re.sub(r"^\S+ \S+ \[\w+\] \d+#\d+: ", "", line)
             for line in output.splitlines() if "[emerg]" in line]
    return "; ".join(lines) or output


class Nginx:
    def __init__(self, directory: Path, nginx: str = "nginx") -> None:
        self.dir = directory
        self.nginx = nginx
        self.conf = directory / "nginx.conf"
        self.pid_file = directory / "nginx.pid"
        self.proc: asyncio.subprocess.Process | None = None

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.returncode is None

    def _args(self, conf: Path) -> list[str]:
        return [self.nginx, "-c", str(conf), "-p", f"{self.dir}/"]

    async def test(self, conf: Path) -> None:
        """Raise NginxError with nginx's words when `conf` is not valid."""
        proc = await asyncio.create_subprocess_exec(
            *self._args(conf), "-t", "-q", stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT)
        out, _ = await proc.communicate()
        if proc.returncode != 0:
            raise NginxError(_emergencies(out.decode(errors="replace").strip()))

    def _end_stale(self) -> None:
        try:
            pid = int(self.pid_file.read_text().strip())
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except (OSError, ValueError):
            return
        if str(self.conf).encode() in cmdline:
            log.warning("ending nginx %d left running by an earlier controller", pid)
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)

    async def start(self) -> None:
        self._end_stale()
        self.proc = await asyncio.create_subprocess_exec(
            *self._args(self.conf), "-g", "daemon off;", stdin=asyncio.subprocess.DEVNULL,
            preexec_fn=_die_with_parent)
        log.info("nginx started, pid %d", self.proc.pid)

    def _workers(self) -> set[int]:
        assert self.proc is not None
        out = set()
        for stat in Path("/proc").glob("[0-9]*/stat"):
            with contextlib.suppress(OSError, IndexError, ValueError):
                if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == self.proc.pid:
                    out.add(int(stat.parent.name))
        return out

    async def reload(self, timeout: float = 15.0) -> None:
        """SIGHUP, then wait until the old workers have exited: from then on every
        connection is served by the new config."""
        if self.proc is None or self.proc.returncode is not None:
            raise NginxError("nginx is not running")
        old = self._workers()
        self.proc.send_signal(signal.SIGHUP)
        deadline = asyncio.get_running_loop().time() + timeout
        while old & self._workers() and asyncio.get_running_loop().time() < deadline:
            await asyncio.sleep(0.05)

    async def stop(self, grace: float = 5.0) -> None:
        proc, self.proc = self.proc, None
        if proc is None or proc.returncode is not None:
            return
        proc.send_signal(signal.SIGQUIT)
        try:
            await asyncio.wait_for(proc.wait(), grace)
        except TimeoutError:
            proc.kill()
            await proc.wait()
        log.info("nginx stopped")
