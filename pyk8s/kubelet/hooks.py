"""Handlers shared by probes and lifecycle hooks: exec, httpGet, tcpSocket, sleep.

`check(kubelet, container_id, pod_ip, handler, timeout)` runs one handler
and returns None on success or a message saying what failed, as Kubernetes
words it. Exec runs through CRI ExecSync in the container; httpGet and
tcpSocket connect from the node to the pod IP (`host` overrides it), and an
HTTP status from 200 to 399 is success. A named port is looked up in the
container's ports.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import TYPE_CHECKING, Any

import aiohttp

from pyk8s.kubelet.cri import pb

if TYPE_CHECKING:
    from pyk8s.kubelet.kubelet import Kubelet

Obj = dict[str, Any]


def resolve_port(port: Any, container: Obj | None) -> int:
    if isinstance(port, int) or str(port).isdigit():
        return int(port)
    for p in (container or {}).get("ports") or []:
        if p.get("name") == port:
            return int(p["containerPort"])
    raise ValueError(f"port {port!r} not found in the container's ports")


async def check(kubelet: Kubelet, container_id: str, pod_ip: str, handler: Obj,
                timeout: float, container: Obj | None = None) -> str | None:
    try:
        if "exec" in handler:
            command = handler["exec"].get("command") or []
            reply = await kubelet.cri.runtime.ExecSync(
                pb.ExecSyncRequest(container_id=container_id, cmd=command,
                                   timeout=max(1, int(timeout))), timeout=timeout + 5)
            if reply.exit_code != 0:
                out = (reply.stdout + reply.stderr).decode(errors="replace").strip()
                return f"command {command!r} exited with {reply.exit_code}: {out}"
            return None
        if "httpGet" in handler:
            h = handler["httpGet"]
            host = h.get("host") or pod_ip
            port = resolve_port(h.get("port", 80), container)
            scheme = h.get("scheme", "HTTP").lower()
            path = h.get("path") or "/"
            url = f"{scheme}://{host}:{port}{path if path.startswith('/') else '/' + path}"
            headers = {x["name"]: x["value"] for x in h.get("httpHeaders") or []}
            headers.setdefault("User-Agent", "kube-probe/1.32")
            async with aiohttp.ClientSession() as session, session.get(
                    url, headers=headers, allow_redirects=False, ssl=False,
                    timeout=aiohttp.ClientTimeout(total=timeout)) as resp:
                if 200 <= resp.status < 400:
                    return None
                return f"HTTP probe failed with statuscode: {resp.status}"
        if "tcpSocket" in handler:
            t = handler["tcpSocket"]
            host = t.get("host") or pod_ip
            port = resolve_port(t["port"], container)
            _, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout)
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()
            return None
        if "sleep" in handler:
            await asyncio.sleep(int(handler["sleep"].get("seconds", 0)))
            return None
        if "grpc" in handler:
            return "grpc probes are not supported by this kubelet"
    except TimeoutError:
        return f"timeout: failed to connect service within {timeout:g}s"
    except Exception as e:
        return f"{type(e).__name__}: {e}"
    return "the handler names no action"


async def run_handler(kubelet: Kubelet, container_id: str, pod_ip: str, handler: Obj
                      ) -> str | None:
    """A lifecycle hook (postStart, preStop); returns an error message or None."""
    return await check(kubelet, container_id, pod_ip, handler, timeout=30.0)
