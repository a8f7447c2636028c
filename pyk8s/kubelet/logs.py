"""`GET /containerLogs/{ns}/{pod}/{container}`: container logs from the CRI log files.

containerd writes each container's output to `<pod log dir>/<name>/<attempt>.log`
in the CRI format, one record a line: `<RFC 3339 nano time> <stdout|stderr>
<P|F> <text>`, where P marks a partial line continued by the next record.
This handler turns that back into the container's output:

- the current attempt, or with `previous=true` the one before (400 if there
  is none, as in Kubernetes);
- `tailLines`, `sinceSeconds` / `sinceTime`, `limitBytes`, and
  `timestamps=true` to prefix each line with its time;
- `follow=true` keeps the response open and streams new lines until the
  container stops (or the client goes away).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aiohttp import web

from pyk8s.kubelet import status as st

if TYPE_CHECKING:
    from pyk8s.kubelet.server import KubeletServer

FOLLOW_POLL = 0.2


def _time(ts: bytes) -> float:
    text = ts.decode()
    head, _, frac = text.rstrip("Z").partition(".")
    t = datetime.datetime.strptime(head, "%Y-%m-%dT%H:%M:%S").replace(tzinfo=datetime.UTC)
    return t.timestamp() + (float("0." + frac) if frac else 0.0)


class LogReader:
    """Turns CRI log records into output lines, joining partial records."""

    def __init__(self, *, timestamps: bool, since: float | None) -> None:
        self.timestamps = timestamps
        self.since = since
        self._partial: dict[bytes, bytes] = {}
        self._rest = b""

    def feed(self, data: bytes) -> list[bytes]:
        data = self._rest + data
        lines = data.split(b"\n")
        self._rest = lines.pop()
        out = []
        for line in lines:
            parts = line.split(b" ", 3)
            if len(parts) < 4:
                continue
            ts, stream, tag, text = parts
            if tag == b"P":
                self._partial[stream] = self._partial.get(stream, b"") + text
                continue
            text = self._partial.pop(stream, b"") + text
            if self.since is not None and _time(ts) < self.since:
                continue
            out.append((ts + b" " if self.timestamps else b"") + text + b"\n")
        return out


def _error(code: int, message: str) -> web.Response:
    from pyk8s.kubelet.server import status_error

    return status_error(code, "BadRequest" if code == 400 else "NotFound", message)


async def handle(server: KubeletServer, request: web.Request) -> web.StreamResponse:
    ns, name, container = (request.match_info[k] for k in ("namespace", "pod", "container"))
    q = request.query
    worker = server.find_pod(ns, name)
    if worker is None:
        return _error(404, f'pod "{name}" not found')
    names = [c["name"] for c in [*(worker.pod["spec"].get("initContainers") or []),
                                 *worker.pod["spec"]["containers"]]]
    if container not in names:
        return _error(400, f"container {container} is not valid for pod {name}")
    recs = (await worker.records()).get(container, [])
    previous = q.get("previous") in ("true", "1")
    if previous:
        if len(recs) < 2 and not (recs and recs[0].state == st.EXITED and
                                  container in worker.waiting):
            return _error(400, f'previous terminated container "{container}" in pod "{name}" '
                               "not found")
        rec = recs[1] if len(recs) >= 2 else recs[0]
    else:
        if not recs:
            waiting = worker.waiting.get(container)
            reason = waiting.reason if waiting else "ContainerCreating"
            return _error(400, f'container "{container}" in pod "{name}" is waiting to start: '
                               f"{reason}")
        rec = recs[0]
    path: Path = worker.log_dir / container / f"{rec.attempt}.log"
    since: float | None = None
    if q.get("sinceSeconds"):
        since = datetime.datetime.now(datetime.UTC).timestamp() - int(q["sinceSeconds"])
    elif q.get("sinceTime"):
        since = datetime.datetime.fromisoformat(q["sinceTime"].replace("Z", "+00:00")
                                                ).timestamp()
    reader = LogReader(timestamps=q.get("timestamps") in ("true", "1"), since=since)
    limit = int(q["limitBytes"]) if q.get("limitBytes") else None
    tail = int(q["tailLines"]) if q.get("tailLines") else None
    resp = web.StreamResponse(headers={"Content-Type": "text/plain"})
    await resp.prepare(request)
    sent = 0

    async def send(lines: list[bytes]) -> bool:
        nonlocal sent
        for line in lines:
            if limit is not None and sent + len(line) > limit:
                await resp.write(line[:limit - sent])
                return False
            await resp.write(line)
            sent += len(line)
        return True

    try:
        f: Any = path.open("rb")
    except FileNotFoundError:
        await resp.write_eof()
        return resp
    with f, contextlib.suppress(ConnectionResetError):  # the client may leave any time
        lines = reader.feed(f.read())
        if tail is not None:
            lines = lines[-tail:] if tail > 0 else []
        more = await send(lines)
        follow = q.get("follow") in ("true", "1") and not previous
        while more and follow:
            data = f.read()
            if data:
                more = await send(reader.feed(data))
                continue
            current = await server.kubelet.container_record(rec.id, fresh=True)
            if current is None or current.state != st.RUNNING:
                more = await send(reader.feed(f.read()))
                break
            await asyncio.sleep(FOLLOW_POLL)
        await resp.write_eof()
    return resp
