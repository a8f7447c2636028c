"""SPDY/3.1 framing, the server side, as much as port-forward needs.

kubectl (1.31+) forwards ports over a WebSocket whose subprotocol is
`SPDY/3.1+portforward.k8s.io`: the binary messages carry a SPDY byte stream
(frames may be split across messages or share one). `SpdySession` parses
that stream and hands the caller each new stream (SYN_STREAM, with its
decoded headers), its data and its end; it answers every new stream with a
SYN_REPLY (the client waits for one), echoes PINGs, and lets the caller send
data and half-close streams.

Frames (all big-endian): a control frame is `1|version(15) type(16)
flags(8) length(24)` then its payload; a data frame is `0|stream-id(31)
flags(8) length(24)` then data; flag 0x01 is FIN. Header blocks are zlib
streams, one per direction for the whole session, primed with the
dictionary that the SPDY/3 specification defines (built below from its
parts: length-prefixed header names and common values, then common text).
Flow control (WINDOW_UPDATE) is not enforced by Kubernetes' SPDY peers, and
is ignored here.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

VERSION = 3
SYN_STREAM, SYN_REPLY, RST_STREAM, SETTINGS, PING, GOAWAY, HEADERS, WINDOW_UPDATE = (
    1, 2, 3, 4, 6, 7, 8, 9)
FLAG_FIN = 0x01
MAX_DATA = 32 * 1024

_WORDS = [
    "options", "head", "post", "put", "delete", "trace", "accept", "accept-charset",
    "accept-encoding", "accept-language", "accept-ranges", "age", "allow", "authorization",
    "cache-control", "connection", "content-base", "content-encoding", "content-language",
    "content-length", "content-location", "content-md5", "content-range", "content-type", "date",
    "etag", "expect", "expires", "from", "host", "if-match", "if-modified-since", "if-none-match",
    "if-range", "if-unmodified-since", "last-modified", "location", "max-forwards", "pragma",
    "proxy-authenticate", "proxy-authorization", "range", "referer", "retry-after", "server", "te",
    "trailer", "transfer-encoding", "upgrade", "user-agent", "vary", "via", "warning",
    "www-authenticate", "method", "get", "status", "200 OK", "version", "HTTP/1.1", "url",
    "public", "set-cookie", "keep-alive", "origin",
]
_TEXT = (
    "100101201202205206300302303304305306307402405406407408409410411412413414415416417"
    "502504505203 Non-Authoritative Information204 No Content301 Moved Permanently"
    "400 Bad Request401 Unauthorized403 Forbidden404 Not Found500 Internal Server Error"
    "501 Not Implemented503 Service UnavailableJan Feb Mar Apr May Jun Jul Aug Sept Oct "
    "Nov Dec 00:00:00 Mon, Tue, Wed, Thu, Fri, Sat, Sun, GMTchunked,text/html,image/png,"
    "image/jpg,image/gif,application/xml,application/xhtml+xml,text/plain,"
    "text/javascript,publicprivatemax-age=gzip,deflate,sdchcharset=utf-8"
    "charset=iso-8859-1,utf-,*,enq=0.")
DICTIONARY = b"".join(struct.pack(">I", len(w)) + w.encode() for w in _WORDS) + \
    _TEXT.encode()


@dataclass
class Stream:
    id: int
    headers: dict[str, str]


def encode_headers(headers: dict[str, str]) -> bytes:
    out = [struct.pack(">I", len(headers))]
    for k, v in headers.items():
        kb, vb = k.lower().encode(), v.encode()
        out += [struct.pack(">I", len(kb)), kb, struct.pack(">I", len(vb)), vb]
    return b"".join(out)


def decode_headers(block: bytes) -> dict[str, str]:
    (count,), pos = struct.unpack_from(">I", block), 4
    headers: dict[str, str] = {}
    for _ in range(count):
        (n,) = struct.unpack_from(">I", block, pos)
        key = block[pos + 4:pos + 4 + n].decode()
        pos += 4 + n
        (n,) = struct.unpack_from(">I", block, pos)
        headers[key] = block[pos + 4:pos + 4 + n].decode()
        pos += 4 + n
    return headers


def control_frame(type_: int, flags: int, payload: bytes) -> bytes:
    return struct.pack(">HHI", 0x8000 | VERSION, type_, (flags << 24) | len(payload)) + payload


def data_frame(stream_id: int, flags: int, data: bytes) -> bytes:
    return struct.pack(">II", stream_id & 0x7FFFFFFF, (flags << 24) | len(data)) + data


class SpdySession:
    """One SPDY session, fed bytes with `feed()`, writing frames with `send`.

    Callbacks: `on_stream(stream)` for a new stream, `on_data(stream_id, data)`
    for its data, `on_end(stream_id)` when the peer half-closes or resets it.
    """

    def __init__(self, send: Callable[[bytes], Awaitable[None]], *,
                 on_stream: Callable[[Stream], Awaitable[None]],
                 on_data: Callable[[int, bytes], Awaitable[None]],
                 on_end: Callable[[int], Awaitable[None]]) -> None:
        self._send = send
        self.on_stream = on_stream
        self.on_data = on_data
        self.on_end = on_end
        self._buffer = bytearray()
        self._inflate = zlib.decompressobj(zdict=DICTIONARY)
        self._deflate = zlib.compressobj(zdict=DICTIONARY)
        self.closed = False

    async def feed(self, data: bytes) -> None:
        self._buffer += data
        while len(self._buffer) >= 8:
            length = int.from_bytes(self._buffer[5:8], "big")
            if len(self._buffer) < 8 + length:
                return
            head = bytes(self._buffer[:8])
            payload = bytes(self._buffer[8:8 + length])
            del self._buffer[:8 + length]
            flags = head[4]
            if head[0] & 0x80:
                await self._control(int.from_bytes(head[2:4], "big"), flags, payload)
            else:
                stream_id = int.from_bytes(head[:4], "big") & 0x7FFFFFFF
                if payload:
                    await self.on_data(stream_id, payload)
                if flags & FLAG_FIN:
                    await self.on_end(stream_id)

    async def _control(self, type_: int, flags: int, payload: bytes) -> None:
        if type_ == SYN_STREAM:
            stream_id = int.from_bytes(payload[:4], "big") & 0x7FFFFFFF
            headers = decode_headers(self._inflate.decompress(payload[10:]))
            await self._send(control_frame(SYN_REPLY, 0, struct.pack(">I", stream_id) +
                                           self._header_block({})))
            await self.on_stream(Stream(stream_id, headers))
            if flags & FLAG_FIN:
                await self.on_end(stream_id)
        elif type_ == HEADERS:
            self._inflate.decompress(payload[4:])  # keeps the zlib stream in step
        elif type_ == RST_STREAM:
            await self.on_end(int.from_bytes(payload[:4], "big") & 0x7FFFFFFF)
        elif type_ == PING:
            await self._send(control_frame(PING, 0, payload))
        elif type_ == GOAWAY:
            self.closed = True

    def _header_block(self, headers: dict[str, str]) -> bytes:
        return self._deflate.compress(encode_headers(headers)) + \
            self._deflate.flush(zlib.Z_SYNC_FLUSH)

    async def send_data(self, stream_id: int, data: bytes) -> None:
        for i in range(0, len(data), MAX_DATA):
            await self._send(data_frame(stream_id, 0, data[i:i + MAX_DATA]))

    async def close_stream(self, stream_id: int) -> None:
        await self._send(data_frame(stream_id, FLAG_FIN, b""))
