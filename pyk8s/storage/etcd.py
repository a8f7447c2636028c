"""etcd v3 datastore, spoken to through etcd's JSON gRPC gateway.

etcd already is a revisioned key-value store, so each call maps onto one
gateway request (POST /v3/...; keys and values travel base64-encoded, and
int64 fields come back as strings):

- create: a txn that puts only if the key's create_revision is 0.
- update: a txn that puts only if the key's mod_revision is the expected one;
  otherwise it reads the key, which tells KeyNotFoundError from
  RevisionConflictError in the same round trip.
- delete: a txn (guarded by mod_revision when one is expected) whose
  deleterange returns the removed value.
- list: a range over [prefix, prefix's upper bound), resuming at
  `start_after` + NUL, optionally at an older revision.
- watch: a streaming request that answers with one JSON document per line,
  starting at `from_revision + 1` and asking for previous values.

The gateway leaves out every field holding its zero value: a range that
finds nothing has no `kvs`, a failed txn no `succeeded`, a PUT event no
`type`, an empty value no `value`.

etcd (3.4) has no call that reports its compacted revision, but it refuses
reads older than it, so `compacted_revision()` bisects for the oldest
readable revision. That also catches compactions made by others (etcd's
auto-compaction, another client); the last answer is remembered, so usually a
single probe confirms it.

etcd finds a watch event's previous value by reading at the revision before
it; when that revision is compacted the event comes without one (prev_value
None, and an empty value for a DELETE). SQLite keeps those values.

etcd's own revision starts at 1 and the first write gets 2: an empty store's
current_revision() is 1, not 0.
"""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator, Sequence
from typing import Any

import aiohttp
import orjson

from pyk8s.storage.interface import (
    CompactedError,
    FutureRevisionError,
    KeyExistsError,
    KeyNotFoundError,
    KeyValue,
    ListResult,
    RevisionConflictError,
    StorageError,
    WatchEvent,
)

_COMPACTED = "required revision has been compacted"
_FUTURE = "required revision is a future revision"
_TIMEOUT = aiohttp.ClientTimeout(total=30)
_WATCH_TIMEOUT = aiohttp.ClientTimeout(sock_connect=30)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _unb64(data: str) -> bytes:
    return base64.b64decode(data)


def _range_end(prefix: bytes) -> bytes:
    """etcd's range_end for all keys starting with `prefix` (NUL: no upper bound)."""
    stripped = prefix.rstrip(b"\xff")
    return stripped[:-1] + bytes([stripped[-1] + 1]) if stripped else b"\x00"


def _kv(kv: dict[str, Any]) -> KeyValue:
    return KeyValue(
        key=_unb64(kv["key"]).decode(),
        value=_unb64(kv.get("value", "")),
        revision=int(kv["mod_revision"]),
        create_revision=int(kv["create_revision"]),
    )


def _event(event: dict[str, Any]) -> WatchEvent:
    kv, prev = event["kv"], event.get("prev_kv")
    key = _unb64(kv["key"]).decode()
    revision = int(kv["mod_revision"])
    # Missing only when the previous revision was compacted away.
    prev_value = _unb64(prev.get("value", "")) if prev else None
    if event.get("type") == "DELETE":
        return WatchEvent("DELETE", key, prev_value or b"", revision, prev_value)
    created = kv["create_revision"] == kv["mod_revision"]
    return WatchEvent("PUT", key, _unb64(kv.get("value", "")), revision, prev_value, created)


async def _lines(content: aiohttp.StreamReader) -> AsyncIterator[bytes]:
    """Split a streamed body into lines, however long they are."""
    buffer = bytearray()
    async for chunk in content.iter_any():
        start = len(buffer)
        buffer += chunk
        while (end := buffer.find(b"\n", start)) >= 0:
            yield bytes(buffer[:end])
            del buffer[: end + 1]
            start = 0


class EtcdDatastore:
    _session: aiohttp.ClientSession

    def __init__(self, endpoint: str) -> None:
        self._endpoint = endpoint.rstrip("/")
        self._compacted = 0  # the newest compacted revision seen so far
        self._closed = False
        self._watches: set[aiohttp.ClientResponse] = set()

    async def start(self) -> None:
        # Each watch holds a connection for as long as it runs: no pool limit.
        self._session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=0), timeout=_TIMEOUT
        )
        try:
            await self.current_revision()  # fail now if etcd is unreachable
        except StorageError:
            await self._session.close()
            raise

    async def close(self) -> None:
        self._closed = True
        # Closing the session alone would leave pending watch reads hanging.
        for response in self._watches:
            response.close()
        await self._session.close()

    async def _call(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        try:
            async with self._session.post(self._endpoint + path, data=orjson.dumps(body)) as resp:
                raw = await resp.read()
                status = resp.status
        except (aiohttp.ClientError, TimeoutError) as err:
            raise StorageError(f"etcd {path}: {type(err).__name__}: {err}") from err
        if status != 200:
            try:
                message = orjson.loads(raw)["message"]
            except (orjson.JSONDecodeError, KeyError, TypeError):
                message = raw.decode(errors="replace")
            raise StorageError(f"etcd {path}: {message}")
        reply: dict[str, Any] = orjson.loads(raw)
        return reply

    async def _txn(
        self, key: str, compare: list[dict[str, Any]], success: dict[str, Any]
    ) -> tuple[dict[str, Any], KeyValue | None]:
        """Run `success` on `key` if all of `compare` hold, else read the key.

        `compare` and `success` leave out the key; it is filled in here.

        Returns the reply and, when the comparison failed, the key's value.
        """
        encoded = _b64(key.encode())
        for condition in compare:
            condition["key"] = encoded
        for request in success.values():
            request["key"] = encoded
        reply = await self._call(
            "/v3/kv/txn",
            {
                "compare": compare,
                "success": [success],
                "failure": [{"request_range": {"key": encoded}}],
            },
        )
        if reply.get("succeeded"):
            return reply, None
        kvs = reply["responses"][0]["response_range"].get("kvs")
        return reply, _kv(kvs[0]) if kvs else None

    async def current_revision(self) -> int:
        reply = await self._call("/v3/kv/range", {"key": _b64(b"\x00"), "count_only": True})
        return int(reply["header"]["revision"])

    async def get(self, key: str) -> KeyValue | None:
        reply = await self._call("/v3/kv/range", {"key": _b64(key.encode())})
        kvs = reply.get("kvs")
        return _kv(kvs[0]) if kvs else None

    async def list(
        self,
        prefix: str,
        *,
        limit: int = 0,
        start_after: str | None = None,
        revision: int = 0,
    ) -> ListResult:
        start = prefix.encode() or b"\x00"
        if start_after is not None:
            start = max(start, start_after.encode() + b"\x00")
        body = {
            "key": _b64(start),
            "range_end": _b64(_range_end(prefix.encode())),
            "limit": limit,
            "revision": revision,
        }
        try:
            reply = await self._call("/v3/kv/range", body)
        except StorageError as err:
            if _COMPACTED in str(err):
                raise CompactedError(revision, await self.compacted_revision()) from None
            if _FUTURE in str(err):
                raise FutureRevisionError(f"revision {revision} is a future revision") from None
            raise
        items = [_kv(kv) for kv in reply.get("kvs", [])]
        at = revision or int(reply["header"]["revision"])
        return ListResult(items, at, bool(reply.get("more")))

    async def create(self, key: str, value: bytes) -> int:
        reply, _ = await self._txn(
            key,
            [{"target": "CREATE", "create_revision": 0}],
            {"request_put": {"value": _b64(value)}},
        )
        if not reply.get("succeeded"):
            raise KeyExistsError(key)
        return int(reply["header"]["revision"])

    async def update(self, key: str, value: bytes, expected_revision: int) -> int:
        reply, current = await self._txn(
            key,
            [
                {"target": "MOD", "mod_revision": expected_revision},
                # An absent key's mod_revision is 0: don't let update() create it.
                {"target": "CREATE", "result": "GREATER", "create_revision": 0},
            ],
            {"request_put": {"value": _b64(value)}},
        )
        if reply.get("succeeded"):
            return int(reply["header"]["revision"])
        if current is None:
            raise KeyNotFoundError(key)
        raise RevisionConflictError(key, current)

    async def delete(self, key: str, expected_revision: int = 0) -> KeyValue:
        compare: list[dict[str, Any]] = []
        if expected_revision:
            compare.append({"target": "MOD", "mod_revision": expected_revision})
        reply, current = await self._txn(key, compare, {"request_delete_range": {"prev_kv": True}})
        if reply.get("succeeded"):
            deleted = reply["responses"][0]["response_delete_range"].get("prev_kvs")
            if not deleted:
                raise KeyNotFoundError(key)
            old = _kv(deleted[0])
            return KeyValue(key, old.value, int(reply["header"]["revision"]), old.create_revision)
        if current is None:
            raise KeyNotFoundError(key)
        raise RevisionConflictError(key, current)

    async def watch(self, prefix: str, from_revision: int) -> AsyncIterator[WatchEvent]:
        request = {
            "create_request": {
                "key": _b64(prefix.encode() or b"\x00"),
                "range_end": _b64(_range_end(prefix.encode())),
                "start_revision": from_revision + 1,
                "prev_kv": True,
            }
        }
        try:
            async with self._session.post(
                self._endpoint + "/v3/watch", data=orjson.dumps(request), timeout=_WATCH_TIMEOUT
            ) as resp:
                if resp.status != 200:
                    raise StorageError(f"etcd /v3/watch: HTTP {resp.status}")
                self._watches.add(resp)
                try:
                    async for line in _lines(resp.content):
                        for event in self._watch_events(orjson.loads(line), from_revision):
                            yield event
                finally:
                    self._watches.discard(resp)
        except aiohttp.ClientError as err:
            if self._closed:
                return
            raise StorageError(f"etcd /v3/watch: {type(err).__name__}: {err}") from err
        if not self._closed:
            raise StorageError("etcd ended the watch stream")

    def _watch_events(self, message: dict[str, Any], from_revision: int) -> Sequence[WatchEvent]:
        """The events in one message of a watch stream; raises if etcd ended the watch."""
        if "error" in message:
            raise StorageError(f"etcd /v3/watch: {message['error']}")
        result = message["result"]
        if result.get("canceled"):
            compacted = int(result.get("compact_revision", 0))
            if compacted:
                self._compacted = max(self._compacted, compacted)
                raise CompactedError(from_revision, compacted)
            raise StorageError(f"etcd cancelled the watch: {result}")
        return [_event(event) for event in result.get("events", ())]

    async def _readable(self, revision: int) -> bool:
        try:
            await self._call(
                "/v3/kv/range", {"key": _b64(b"\x00"), "count_only": True, "revision": revision}
            )
        except StorageError as err:
            if _COMPACTED in str(err):
                return False
            raise
        return True

    async def compacted_revision(self) -> int:
        low = max(self._compacted, 1)
        if await self._readable(low):
            return self._compacted
        # `low` is unreadable, `high` (the current revision) always readable.
        high = await self.current_revision()
        while high - low > 1:
            middle = (low + high) // 2
            if await self._readable(middle):
                high = middle
            else:
                low = middle
        self._compacted = high
        return high

    async def compact(self, revision: int) -> None:
        try:
            await self._call("/v3/kv/compaction", {"revision": revision})
        except StorageError as err:
            if _FUTURE in str(err):
                raise FutureRevisionError(f"revision {revision} is a future revision") from None
            if _COMPACTED not in str(err):
                raise
            # Already compacted at or past `revision`: nothing to do.
        self._compacted = max(self._compacted, revision)
