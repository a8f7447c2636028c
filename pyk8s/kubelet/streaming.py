"""exec and port-forward on the kubelet, over WebSocket channel protocols.

The API server relays the client's WebSocket here as it is. The channel
protocols (`v5.channel.k8s.io` down to `channel.k8s.io`) put the channel in
the first byte of each binary message: 0 stdin, 1 stdout, 2 stderr, 3 the
final Status, 4 terminal resize (`{"Width": w, "Height": h}`); v5 adds 255,
"close this channel" (`[255, 0]` is stdin's EOF).

exec runs the command in the container through containerd's own client,
`ctr tasks exec`, which gives real pipes (so stdin EOF reaches the process)
and the process's exit code, or, with `tty=true`, a pseudo-terminal that we
own: resize messages set its window size, and ctr passes them on. The
final Status is Success, or Failure with reason NonZeroExitCode and the
code in `details.causes`, from which kubectl takes its own exit code.

attach relays to containerd's streaming server (CRI Attach).

port-forward, as kubectl does it: SPDY/3.1 inside the WebSocket
(subprotocol `SPDY/3.1+portforward.k8s.io`, spdy.py), one pair of SPDY
streams per forwarded connection. And as the Python client does it
(`?ports=80,8080`, a channel protocol): for the i-th port, channel 2i
carries data and 2i+1 errors, the first message on each being the port as
two little-endian bytes (from the kubelet only). Either way the kubelet
connects to the pod's IP on the port.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import os
import pty
import struct
import termios
import uuid
from typing import TYPE_CHECKING, Any

import aiohttp
import orjson
from aiohttp import WSMsgType, web

from pyk8s.agent.containerd import NAMESPACE
from pyk8s.kubelet import spdy
from pyk8s.kubelet import status as st
from pyk8s.kubelet.cri import pb

if TYPE_CHECKING:
    from pyk8s.kubelet.server import KubeletServer

log = logging.getLogger(__name__)
SPDY_PORT_FORWARD = "SPDY/3.1+portforward.k8s.io"
PROTOCOLS = ("v5.channel.k8s.io", "v4.channel.k8s.io", "v3.channel.k8s.io",
             "v2.channel.k8s.io", "channel.k8s.io")
STDIN, STDOUT, STDERR, ERROR, RESIZE, CLOSE = 0, 1, 2, 3, 4, 255


def _flag(request: web.Request, name: str) -> bool:
    return request.query.get(name, "") in ("1", "true", "True")


def exit_status(code: int) -> dict[str, Any]:
    if code == 0:
        return {"metadata": {}, "status": "Success"}
    return {"metadata": {}, "status": "Failure",
            "message": f"command terminated with non-zero exit code: {code}",
            "reason": "NonZeroExitCode",
            "details": {"causes": [{"reason": "ExitCode", "message": str(code)}]}}


async def _running_container(server: KubeletServer, request: web.Request
                             ) -> tuple[Any, str] | web.Response:
    from pyk8s.kubelet.server import status_error

    ns, name = request.match_info["namespace"], request.match_info["pod"]
    container = request.match_info.get("container", "")
    worker = server.find_pod(ns, name)
    if worker is None:
        return status_error(404, "NotFound", f'pod "{name}" not found')
    recs = (await worker.records()).get(container, [])
    if not recs or recs[0].state != st.RUNNING:
        return status_error(400, "BadRequest", f'container not found ("{container}")')
    return worker, recs[0].id


async def exec_handler(server: KubeletServer, request: web.Request) -> web.StreamResponse:
    found = await _running_container(server, request)
    if isinstance(found, web.Response):
        return found
    _, container_id = found
    command = request.query.getall("command", [])
    tty, stdin = _flag(request, "tty"), _flag(request, "stdin")
    ws = web.WebSocketResponse(protocols=PROTOCOLS, heartbeat=30.0, max_msg_size=0)
    await ws.prepare(request)
    v5 = ws.ws_protocol == "v5.channel.k8s.io"
    argv = ["ctr", "--address", server.kubelet.cri.socket, "-n", NAMESPACE, "tasks", "exec",
            "--exec-id", f"exec-{uuid.uuid4().hex[:12]}", *(["--tty"] if tty else []),
            container_id, *command]
    try:
        if tty:
            code = await _exec_tty(ws, argv, stdin)
        else:
            code = await _exec_pipes(ws, argv, stdin, v5)
        result = exit_status(code)
    except Exception as e:
        log.exception("exec in %s failed", container_id[:12])
        result = {"metadata": {}, "status": "Failure", "reason": "InternalError",
                  "message": f"exec failed: {e}"}
    with contextlib.suppress(Exception):
        await ws.send_bytes(bytes([ERROR]) + orjson.dumps(result))
    await ws.close()
    return ws


async def _exec_pipes(ws: web.WebSocketResponse, argv: list[str], stdin: bool,
                      v5: bool) -> int:
    proc = await asyncio.create_subprocess_exec(
        *argv, stdin=asyncio.subprocess.PIPE if stdin else asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)

    async def pump(stream: asyncio.StreamReader, channel: int) -> None:
        while data := await stream.read(32768):
            await ws.send_bytes(bytes([channel]) + data)

    async def feed() -> None:
        async for msg in ws:
            if msg.type != WSMsgType.BINARY or not msg.data:
                continue
            channel, data = msg.data[0], msg.data[1:]
            if channel == STDIN and proc.stdin is not None and data:
                proc.stdin.write(data)
                with contextlib.suppress(ConnectionError):
                    await proc.stdin.drain()
            elif channel == CLOSE and v5 and data[:1] == bytes([STDIN]) and proc.stdin:
                proc.stdin.close()
        if proc.returncode is None:  # the client went away
            with contextlib.suppress(ProcessLookupError):
                proc.kill()

    assert proc.stdout is not None and proc.stderr is not None
    feeder = asyncio.create_task(feed())
    try:
        await asyncio.gather(pump(proc.stdout, STDOUT), pump(proc.stderr, STDERR))
        return await proc.wait()
    finally:
        feeder.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await feeder


def _set_size(fd: int, data: bytes) -> None:
    with contextlib.suppress(ValueError, KeyError, OSError):
        size = orjson.loads(data)
        fcntl.ioctl(fd, termios.TIOCSWINSZ,
                    struct.pack("HHHH", int(size["Height"]), int(size["Width"]), 0, 0))


async def _exec_tty(ws: web.WebSocketResponse, argv: list[str], stdin: bool) -> int:
    master, slave = pty.openpty()
    # The terminal must be ctr's controlling terminal, so that resizing it
    # signals ctr (SIGWINCH), which resizes the process's terminal in turn.
    try:
        proc = await asyncio.create_subprocess_exec(
            "setsid", "--ctty", *argv, stdin=slave, stdout=slave, stderr=slave)
    finally:
        os.close(slave)
    loop = asyncio.get_running_loop()
    output: asyncio.Queue[bytes] = asyncio.Queue()

    def readable() -> None:
        try:
            data = os.read(master, 32768)
        except OSError:
            data = b""
        if not data:
            loop.remove_reader(master)
        output.put_nowait(data)

    loop.add_reader(master, readable)

    async def pump() -> None:
        while data := await output.get():
            await ws.send_bytes(bytes([STDOUT]) + data)

    async def feed() -> None:
        async for msg in ws:
            if msg.type != WSMsgType.BINARY or not msg.data:
                continue
            channel, data = msg.data[0], msg.data[1:]
            if channel == STDIN and stdin and data:
                with contextlib.suppress(OSError):
                    os.write(master, data)
            elif channel == RESIZE:
                _set_size(master, data)
        if proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                proc.kill()

    feeder = asyncio.create_task(feed())
    pumper = asyncio.create_task(pump())
    try:
        code = await proc.wait()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(pumper, timeout=1.0)
        return code
    finally:
        loop.remove_reader(master)
        for t in (feeder, pumper):
            t.cancel()
        await asyncio.gather(feeder, pumper, return_exceptions=True)
        os.close(master)


async def attach_handler(server: KubeletServer, request: web.Request) -> web.StreamResponse:
    """Attach to the container's own stdio through the runtime's streaming server.

    CRI Attach answers with a URL on containerd's streaming server, which
    speaks the same channel protocol (up to v4); messages are relayed both
    ways. v5's close message has no v4 equivalent and is dropped.
    """
    found = await _running_container(server, request)
    if isinstance(found, web.Response):
        return found
    _, container_id = found
    reply = await server.kubelet.cri.runtime.Attach(pb.AttachRequest(
        container_id=container_id, stdin=_flag(request, "stdin"), tty=_flag(request, "tty"),
        stdout=_flag(request, "stdout"), stderr=_flag(request, "stderr")))
    ws = web.WebSocketResponse(protocols=PROTOCOLS, heartbeat=30.0, max_msg_size=0)
    await ws.prepare(request)
    async with aiohttp.ClientSession() as session, session.ws_connect(
            reply.url, protocols=PROTOCOLS[1:], max_msg_size=0) as upstream:

        async def down() -> None:
            async for msg in upstream:
                if msg.type == WSMsgType.BINARY:
                    await ws.send_bytes(msg.data)

        async def up() -> None:
            async for msg in ws:
                if msg.type == WSMsgType.BINARY and msg.data and msg.data[0] != CLOSE:
                    await upstream.send_bytes(msg.data)

        tasks = [asyncio.create_task(down()), asyncio.create_task(up())]
        try:
            await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
    await ws.close()
    return ws


async def port_forward_handler(server: KubeletServer, request: web.Request
                               ) -> web.StreamResponse:
    from pyk8s.kubelet.server import status_error

    ns, name = request.match_info["namespace"], request.match_info["pod"]
    worker = server.find_pod(ns, name)
    if worker is None or not worker.pod_ip:
        return status_error(400, "BadRequest", f'pod "{name}" is not running')
    try:
        ports = [int(p) for p in request.query.get("ports", "").split(",") if p]
    except ValueError:
        return status_error(400, "BadRequest", "ports must be numbers")
    if not ports and request.headers.get("Sec-WebSocket-Protocol", "").find(
            SPDY_PORT_FORWARD) < 0:
        return status_error(400, "BadRequest", "at least one port must be given")
    ws = web.WebSocketResponse(protocols=(SPDY_PORT_FORWARD, *PROTOCOLS), heartbeat=30.0,
                               max_msg_size=0)
    await ws.prepare(request)
    if ws.ws_protocol == SPDY_PORT_FORWARD:
        await _port_forward_spdy(ws, worker.pod_ip)
        return ws
    writers: dict[int, asyncio.StreamWriter] = {}
    tasks = []

    async def pump(i: int, reader: asyncio.StreamReader) -> None:
        while data := await reader.read(32768):
            await ws.send_bytes(bytes([2 * i]) + data)

    for i, port in enumerate(ports):
        prefix = struct.pack("<H", port)
        await ws.send_bytes(bytes([2 * i]) + prefix)
        await ws.send_bytes(bytes([2 * i + 1]) + prefix)
        try:
            reader, writers[i] = await asyncio.open_connection(worker.pod_ip, port)
        except OSError as e:
            await ws.send_bytes(bytes([2 * i + 1]) + str(e).encode())
            continue
        tasks.append(asyncio.create_task(pump(i, reader)))
    try:
        async for msg in ws:
            if msg.type != WSMsgType.BINARY or not msg.data:
                continue
            channel, data = msg.data[0], msg.data[1:]
            i = channel // 2
            if channel % 2 or i not in writers:
                continue
            if data:
                writers[i].write(data)
                await writers[i].drain()
    finally:
        for t in tasks:
            t.cancel()
        for w in writers.values():
            w.close()
    return ws


async def _port_forward_spdy(ws: web.WebSocketResponse, pod_ip: str) -> None:
    """kubectl's port-forward: SPDY streams inside the WebSocket, a pair per connection.

    Each forwarded connection opens an error stream and a data stream (headers
    streamType, port, requestID); the data stream is joined to a TCP
    connection to the pod, the error stream carries a message if that fails.
    Both are closed when the pod's side of the connection ends.
    """
    errors: dict[str, int] = {}  # requestID -> error stream
    connections: dict[int, asyncio.StreamWriter] = {}  # data stream -> TCP to the pod
    pumps: set[asyncio.Task[None]] = set()

    async def send(frame: bytes) -> None:
        await ws.send_bytes(frame)

    async def pump(stream_id: int, request_id: str, reader: asyncio.StreamReader) -> None:
        with contextlib.suppress(ConnectionError):
            while data := await reader.read(32768):
                await session.send_data(stream_id, data)
        with contextlib.suppress(ConnectionError):
            await session.close_stream(stream_id)
            if request_id in errors:
                await session.close_stream(errors.pop(request_id))

    async def on_stream(stream: spdy.Stream) -> None:
        kind = stream.headers.get("streamtype")
        request_id = stream.headers.get("requestid", "")
        if kind == "error":
            errors[request_id] = stream.id
            return
        if kind != "data":
            return
        port = int(stream.headers.get("port", "0") or 0)
        try:
            reader, writer = await asyncio.open_connection(pod_ip, port)
        except OSError as e:
            error_stream = errors.pop(request_id, None)
            if error_stream is not None:
                await session.send_data(error_stream, f"error forwarding port {port} to pod: "
                                                      f"{e}".encode())
                await session.close_stream(error_stream)
            await session.close_stream(stream.id)
            return
        connections[stream.id] = writer
        task = asyncio.create_task(pump(stream.id, request_id, reader))
        pumps.add(task)
        task.add_done_callback(pumps.discard)

    async def on_data(stream_id: int, data: bytes) -> None:
        writer = connections.get(stream_id)
        if writer is not None:
            writer.write(data)
            with contextlib.suppress(ConnectionError):
                await writer.drain()

    async def on_end(stream_id: int) -> None:
        writer = connections.get(stream_id)
        if writer is not None and writer.can_write_eof():
            with contextlib.suppress(OSError):
                writer.write_eof()

    session = spdy.SpdySession(send, on_stream=on_stream, on_data=on_data, on_end=on_end)
    try:
        async for msg in ws:
            if msg.type == WSMsgType.BINARY:
                await session.feed(msg.data)
                if session.closed:
                    break
    finally:
        for task in list(pumps):
            task.cancel()
        await asyncio.gather(*pumps, return_exceptions=True)
        for writer in connections.values():
            writer.close()
