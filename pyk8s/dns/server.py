"""`DNSServer`: DNS over UDP and TCP on asyncio, answering from `ClusterRecords`.

UDP replies larger than the client's buffer (512 bytes, or what its EDNS0
record offers) are sent truncated (TC set), so the client asks again over
TCP, where each message is preceded by its two-byte length. Names outside
the cluster domain go to the upstream servers in turn (UDP, 2 s each), and
their reply is passed back as it is; with no upstream configured (as in
tests: cluster DNS sends nothing off the machine) or none answering, the
reply is REFUSED or SERVFAIL. A message that does not parse gets FORMERR
when its header can be read, and nothing otherwise.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import struct
from typing import cast

from dnslib import QTYPE, RCODE, DNSError, DNSHeader, DNSRecord

from pyk8s.dns.records import ClusterRecords

log = logging.getLogger(__name__)

UPSTREAM_TIMEOUT = 2.0
TCP_IDLE = 10.0


def parse_upstream(text: str) -> tuple[str, int]:
    """"IP" or "IP:PORT" as (host, port)."""
    host, sep, port = text.rpartition(":")
    return (host, int(port)) if sep and host else (text, 53)


class _Forward(asyncio.DatagramProtocol):
    def __init__(self, done: asyncio.Future[bytes]) -> None:
        self.done = done

    def datagram_received(self, data: bytes, addr: object) -> None:
        if not self.done.done():
            self.done.set_result(data)


class DNSServer:
    def __init__(self, records: ClusterRecords, *,
                 upstreams: list[tuple[str, int]] | None = None) -> None:
        self.records = records
        self.upstreams = list(upstreams or [])
        self._transport: asyncio.DatagramTransport | None = None
        self._tcp: asyncio.Server | None = None

    def answer(self, data: bytes) -> tuple[bytes | None, DNSRecord | None]:
        """The reply when it is known without asking upstream, and the parsed request.

        (None, request) means the request is for the upstreams; (None, None)
        that it is dropped.
        """
        try:
            request = DNSRecord.parse(data)
        except DNSError:
            if len(data) < 12:
                return None, None
            ident = struct.unpack("!H", data[:2])[0]
            return DNSRecord(DNSHeader(id=ident, qr=1, rcode=RCODE.FORMERR)).pack(), None
        if not request.questions or request.header.opcode != 0:
            reply = request.reply(ra=0, aa=0)
            reply.header.rcode = RCODE.NOTIMP if request.questions else RCODE.FORMERR
            return reply.pack(), request
        found = self.records.reply(request)
        if found is not None:
            return found.pack(), request
        if self.upstreams and request.q.qtype != QTYPE.AXFR:
            return None, request
        return self._failure(request, RCODE.REFUSED), request

    def _failure(self, request: DNSRecord, rcode: int) -> bytes:
        reply = request.reply(ra=int(bool(self.upstreams)), aa=0)
        reply.header.rcode = rcode
        return bytes(reply.pack())

    async def handle(self, data: bytes) -> bytes | None:
        reply, request = self.answer(data)
        if reply is not None or request is None:
            return reply
        forwarded = await self._forward(data)
        return forwarded if forwarded is not None else self._failure(request, RCODE.SERVFAIL)

    async def _forward(self, data: bytes) -> bytes | None:
        loop = asyncio.get_running_loop()
        for host, port in self.upstreams:
            done: asyncio.Future[bytes] = loop.create_future()
            try:
                transport, _ = await loop.create_datagram_endpoint(
                    lambda d=done: _Forward(d), remote_addr=(host, port))  # type: ignore[misc]
            except OSError as e:
                log.warning("upstream %s:%d: %s", host, port, e)
                continue
            try:
                transport.sendto(data)
                return await asyncio.wait_for(done, UPSTREAM_TIMEOUT)
            except TimeoutError:
                log.warning("upstream %s:%d did not answer", host, port)
            finally:
                transport.close()
        return None

    # Listeners --------------------------------------------------------------------

    async def start(self, host: str, port: int) -> None:
        """Listen on host:port, UDP and TCP (port 0: a free UDP port, TCP on the same)."""
        loop = asyncio.get_running_loop()
        self._transport, _ = await loop.create_datagram_endpoint(
            lambda: _UDP(self), local_addr=(host, port))
        self._tcp = await asyncio.start_server(self._serve_tcp, host, self.port)

    @property
    def port(self) -> int:
        assert self._transport is not None
        return int(self._transport.get_extra_info("sockname")[1])

    async def stop(self) -> None:
        if self._transport is not None:
            self._transport.close()
            self._transport = None
        if self._tcp is not None:
            self._tcp.close()
            await self._tcp.wait_closed()
            self._tcp = None

    async def _serve_tcp(self, reader: asyncio.StreamReader,
                         writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                size = struct.unpack("!H", await asyncio.wait_for(reader.readexactly(2),
                                                                  TCP_IDLE))[0]
                reply = await self.handle(await reader.readexactly(size))
                if reply is None:
                    break
                writer.write(struct.pack("!H", len(reply)) + reply)
                await writer.drain()
        except (asyncio.IncompleteReadError, TimeoutError, ConnectionError):
            pass
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()


def _udp_limit(request: DNSRecord | None) -> int:
    for rr in request.ar if request is not None else []:
        if rr.rtype == QTYPE.OPT:
            return max(512, int(rr.rclass))
    return 512


class _UDP(asyncio.DatagramProtocol):
    def __init__(self, server: DNSServer) -> None:
        self.server = server
        self.transport: asyncio.DatagramTransport | None = None
        self.pending: set[asyncio.Task[None]] = set()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.DatagramTransport, transport)

    def connection_lost(self, exc: Exception | None) -> None:
        for task in self.pending:
            task.cancel()

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        try:
            reply, request = self.server.answer(data)
        except Exception:
            log.exception("answering a DNS query failed")
            return
        if reply is not None:  # answered at once: most queries
            self._send(reply, request, addr)
        elif request is not None:
            task = asyncio.get_running_loop().create_task(self._forward(data, request, addr))
            self.pending.add(task)
            task.add_done_callback(self.pending.discard)

    def _send(self, reply: bytes, request: DNSRecord | None, addr: tuple[str, int]) -> None:
        if self.transport is None:
            return
        if len(reply) > _udp_limit(request):
            reply = DNSRecord.parse(reply).truncate().pack()
        self.transport.sendto(reply, addr)

    async def _forward(self, data: bytes, request: DNSRecord, addr: tuple[str, int]) -> None:
        reply = await self.server.handle(data)
        if reply is not None:
            self._send(reply, request, addr)
