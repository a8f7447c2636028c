"""Informers: a local, always-current cache of one resource, and change callbacks.

An `Informer` lists a resource (optionally one namespace, label and field
selector; in pages of `page_size`, with apiVersion and kind filled in on every
item as watch events have them) and then watches it from the list's
resourceVersion, keeping every object in a `Store` keyed by "namespace/name"
("name" for cluster-scoped objects). Components read the store instead of
asking the API server, and register handlers to hear about changes:

    on_add(obj)            an object appeared
    on_update(old, new)    it changed (`old` is the cached state it replaces)
    on_delete(obj)         it is gone (its last known state)

Handlers run inline in the informer's task, in order, after the store has
been updated; they must be quick and must not block (a controller's handler
typically computes a key and adds it to a `WorkQueue`). Exceptions from a
handler are logged and do not stop the informer. A handler registered after
the first list is replayed the current contents as adds. Cached objects are
shared, not copied: treat them as read-only and copy before modifying.

Resilience, as in client-go's reflector (there is no periodic resync):

- when a watch ends (the server's timeout, a server restart, a dropped
  connection) the informer watches again from the last resourceVersion it
  saw, with an exponential back-off while the server cannot be reached;
- watches ask for BOOKMARK events, which carry no object but advance that
  resourceVersion, so a resumed watch starts from a recent point;
- when the server answers 410 Gone (an ERROR event in the stream, or an
  HTTP 410) the resourceVersion is too old: the informer lists again,
  replaces the store and emits the differences between the old and the new
  contents as adds, updates and deletes (`diff`), so handlers never miss a
  change even across a gap in the event history. (A 410 straight after a
  fresh list waits out the back-off first, rather than list in a loop.)

`has_synced` turns true (and `wait_synced()` returns) once the first list is
in the store. Extra indexes (`by_node_name`, `by_owner_uid`, or any function
of an object returning index values) are kept by the store and queried with
`store.by_index(name, value)`.

`SharedInformerFactory` gives out one informer per (resource, namespace,
selectors), however many controllers ask for it, so each is listed and
watched once: a process makes one factory and hands it to all its
controllers. Both informers and the factory are async context
managers; each informer owns its one task and cancels and awaits it on stop.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Callable, Iterable, Mapping
from typing import Any, NamedTuple

from pyk8s.client.resources import lookup
from pyk8s.client.rest import APIClient, APIStatusError, RequestError, WatchEvent, is_gone

log = logging.getLogger(__name__)

Obj = dict[str, Any]
IndexFunc = Callable[[Obj], Iterable[str]]
AddHandler = Callable[[Obj], None]
UpdateHandler = Callable[[Obj, Obj], None]
DeleteHandler = Callable[[Obj], None]

BACKOFF_INITIAL = 0.2  # seconds before retrying a failed list or watch; doubles
BACKOFF_MAX = 10.0


def object_key(obj: Obj) -> str:
    """ "namespace/name", or "name" for a cluster-scoped object."""
    md = obj.get("metadata") or {}
    ns = md.get("namespace")
    return f"{ns}/{md['name']}" if ns else str(md["name"])


def split_key(key: str) -> tuple[str | None, str]:
    """(namespace or None, name) of a key made by `object_key`."""
    ns, sep, name = key.partition("/")
    return (ns, name) if sep else (None, ns)


def by_node_name(obj: Obj) -> list[str]:
    """Index function: the node a pod is bound to."""
    node = (obj.get("spec") or {}).get("nodeName")
    return [node] if node else []


def by_owner_uid(obj: Obj) -> list[str]:
    """Index function: the uids of an object's owners."""
    return [ref["uid"] for ref in (obj.get("metadata") or {}).get("ownerReferences") or []
            if ref.get("uid")]


def _rv(obj: Obj) -> str:
    return str((obj.get("metadata") or {}).get("resourceVersion", ""))


class Delta(NamedTuple):
    type: str  # ADDED | MODIFIED | DELETED
    old: Obj | None  # None for ADDED
    new: Obj | None  # None for DELETED


def diff(old: Mapping[str, Obj], new: Mapping[str, Obj]) -> list[Delta]:
    """What changed between two states of a store, keyed alike.

    An object whose resourceVersion is unchanged is unchanged.
    """
    deltas = []
    for key, obj in new.items():
        before = old.get(key)
        if before is None:
            deltas.append(Delta("ADDED", None, obj))
        elif _rv(before) != _rv(obj):
            deltas.append(Delta("MODIFIED", before, obj))
    deltas.extend(Delta("DELETED", obj, None) for key, obj in old.items() if key not in new)
    return deltas


class Store:
    """Objects by key, with secondary indexes: an index function maps an object
    to the values it is found under (`by_index(name, value)`)."""

    def __init__(self, indexers: Mapping[str, IndexFunc] | None = None) -> None:
        self._items: dict[str, Obj] = {}
        self._indexers: dict[str, IndexFunc] = {}
        # index name -> value -> keys
        self._indices: dict[str, dict[str, set[str]]] = {}
        for name, func in (indexers or {}).items():
            self.add_indexer(name, func)

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, key: object) -> bool:
        return key in self._items

    def get(self, key: str) -> Obj | None:
        return self._items.get(key)

    def keys(self) -> list[str]:
        return list(self._items)

    def by_index(self, index: str, value: str) -> list[Obj]:
        try:
            keys = self._indices[index].get(value, ())
        except KeyError:
            raise KeyError(f"no index named {index!r}") from None
        return [self._items[k] for k in sorted(keys)]

    def add_indexer(self, name: str, func: IndexFunc) -> None:
        """Add an index (built at once over the current contents)."""
        existing = self._indexers.get(name)
        if existing is not None:
            if existing is not func:
                raise ValueError(f"index {name!r} already exists with another function")
            return
        self._indexers[name] = func
        self._indices[name] = {}
        for key, obj in self._items.items():
            self._index(name, key, obj)

    def upsert(self, obj: Obj) -> Obj | None:
        """Insert or replace; returns the state replaced, if any."""
        key = object_key(obj)
        old = self._items.get(key)
        if old is not None:
            self._unindex(key, old)
        self._items[key] = obj
        for name in self._indexers:
            self._index(name, key, obj)
        return old

    def remove(self, key: str) -> Obj | None:
        old = self._items.pop(key, None)
        if old is not None:
            self._unindex(key, old)
        return old

    def replace(self, objs: Iterable[Obj]) -> list[Delta]:
        """Make the contents exactly `objs`; returns the differences."""
        new = {object_key(o): o for o in objs}
        deltas = diff(self._items, new)
        for d in deltas:
            if d.new is None:
                assert d.old is not None
                self.remove(object_key(d.old))
            else:
                self.upsert(d.new)
        return deltas

    def _index(self, name: str, key: str, obj: Obj) -> None:
        index = self._indices[name]
        for value in self._indexers[name](obj):
            index.setdefault(value, set()).add(key)

    def _unindex(self, key: str, obj: Obj) -> None:
        for name, func in self._indexers.items():
            index = self._indices[name]
            for value in func(obj):
                keys = index.get(value)
                if keys is not None:
                    keys.discard(key)
                    if not keys:
                        del index[value]

    def list(self) -> list[Obj]:  # last: the name shadows the builtin in the class body
        return list(self._items.values())


class _Handlers(NamedTuple):
    on_add: AddHandler | None
    on_update: UpdateHandler | None
    on_delete: DeleteHandler | None


class Informer:
    def __init__(self, client: APIClient, api_version: str, plural: str, *,
                 namespace: str | None = None, label_selector: str | None = None,
                 field_selector: str | None = None,
                 indexers: Mapping[str, IndexFunc] | None = None,
                 page_size: int = 500, watch_timeout: int = 300) -> None:
        self.client = client
        self.api_version = api_version
        self.plural = plural
        self.kind = lookup(api_version, plural).kind
        self.namespace = namespace or None
        self.label_selector = label_selector or None
        self.field_selector = field_selector or None
        self.page_size = page_size
        self.watch_timeout = watch_timeout  # seconds; each watch asks for 1-2x this
        self.store = Store(indexers)
        self.resource_version: str | None = None  # last seen; watches resume after it
        self._handlers: list[_Handlers] = []
        self._synced = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._progressed = False  # the current watch has delivered an event

    def __repr__(self) -> str:
        where = f" in {self.namespace}" if self.namespace else ""
        sel = "".join(f" {s}" for s in (self.label_selector, self.field_selector) if s)
        return f"<Informer {self.plural}.{self.api_version}{where}{sel}>"

    @property
    def has_synced(self) -> bool:
        return self._synced.is_set()

    async def wait_synced(self) -> None:
        await self._synced.wait()

    def add_handlers(self, on_add: AddHandler | None = None,
                     on_update: UpdateHandler | None = None,
                     on_delete: DeleteHandler | None = None) -> None:
        handlers = _Handlers(on_add, on_update, on_delete)
        self._handlers.append(handlers)
        if on_add is not None:
            for obj in self.store.list():
                self._call(on_add, obj)

    # Lifecycle --------------------------------------------------------------------

    def start(self) -> None:
        """Start listing and watching in a task this informer owns (idempotent)."""
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name=repr(self))

    async def stop(self) -> None:
        if self._task is not None:
            task, self._task = self._task, None
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def __aenter__(self) -> Informer:
        self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # List and watch ---------------------------------------------------------------

    async def _run(self) -> None:
        delay = BACKOFF_INITIAL
        relist = True
        while True:
            self._progressed = False  # set by _watch on every event
            listed = False
            try:
                if relist:
                    await self._list()
                    relist, listed = False, True
                await self._watch()
                if self._progressed:
                    delay = BACKOFF_INITIAL
                    continue  # the server ended the stream: watch on from where we are
            except RequestError as e:
                if is_gone(e):
                    relist = True
                    if not listed or self._progressed:
                        log.info("%r: %s; listing again", self, e)
                        continue
                    # Gone straight after a list: do not hammer the server with lists.
                log.warning("%r: %s; retrying in %.1fs", self, e, delay)
            except Exception:
                log.exception("%r: unexpected failure; retrying in %.1fs", self, delay)
            if self._progressed:
                delay = BACKOFF_INITIAL
            await asyncio.sleep(delay * random.uniform(1.0, 1.5))
            delay = min(delay * 2, BACKOFF_MAX)

    async def _list(self) -> None:
        items: list[Obj] = []
        token: str | None = None
        limit: int | None = self.page_size
        while True:
            try:
                page = await self.client.list(
                    self.api_version, self.plural, self.namespace,
                    label_selector=self.label_selector, field_selector=self.field_selector,
                    limit=limit, continue_token=token)
            except APIStatusError as e:
                if not (is_gone(e) and token):
                    raise
                # The snapshot we were paging through expired: list it in one go.
                items, token, limit = [], None, None
                continue
            for item in page.get("items") or []:
                # Objects from a list may lack their type; those from a watch have it.
                item.setdefault("apiVersion", self.api_version)
                item.setdefault("kind", self.kind)
                items.append(item)
            token = page.get("metadata", {}).get("continue") or None
            if token is None:
                break
        deltas = self.store.replace(items)
        self.resource_version = page["metadata"]["resourceVersion"]
        for d in deltas:
            self._notify(d.type, d.old, d.new)
        self._synced.set()

    async def _watch(self) -> None:
        timeout = random.randint(self.watch_timeout, 2 * self.watch_timeout)
        stream = self.client.watch(
            self.api_version, self.plural, self.namespace, label_selector=self.label_selector,
            field_selector=self.field_selector, resource_version=self.resource_version,
            timeout_seconds=timeout, allow_bookmarks=True)
        async with contextlib.aclosing(stream) as events:
            async for event in events:
                self._progressed = True
                self._apply(event)

    def _apply(self, event: WatchEvent) -> None:
        obj = event.object
        if event.type in ("ADDED", "MODIFIED"):
            old = self.store.upsert(obj)
            self._notify("ADDED" if old is None else "MODIFIED", old, obj)
        elif event.type == "DELETED":
            old = self.store.remove(object_key(obj))
            self._notify("DELETED", old, obj)
        elif event.type != "BOOKMARK":
            log.warning("%r: ignoring watch event of unknown type %r", self, event.type)
            return
        self.resource_version = _rv(obj) or self.resource_version

    def _notify(self, type_: str, old: Obj | None, new: Obj | None) -> None:
        for h in tuple(self._handlers):  # a handler may register another
            if type_ == "ADDED" and h.on_add is not None:
                assert new is not None
                self._call(h.on_add, new)
            elif type_ == "MODIFIED" and h.on_update is not None:
                assert old is not None and new is not None
                self._call(h.on_update, old, new)
            elif type_ == "DELETED" and h.on_delete is not None:
                last = new if new is not None else old
                assert last is not None
                self._call(h.on_delete, last)

    def _call(self, handler: Callable[..., None], *args: Obj) -> None:
        try:
            handler(*args)
        except Exception:
            log.exception("%r: event handler %r failed", self, handler)


class SharedInformerFactory:
    """One informer per (resource, namespace, selectors) for everyone in the process.

    `async with SharedInformerFactory(client) as factory:` informers handed
    out inside the block start at once; all stop when the block ends.
    """

    def __init__(self, client: APIClient, *, watch_timeout: int = 300) -> None:
        self.client = client
        self.watch_timeout = watch_timeout
        self._informers: dict[tuple[str, str, str | None, str | None, str | None],
                              Informer] = {}
        self._started = False

    def informer(self, api_version: str, plural: str, *, namespace: str | None = None,
                 label_selector: str | None = None, field_selector: str | None = None,
                 indexers: Mapping[str, IndexFunc] | None = None) -> Informer:
        """The shared informer; `indexers` are added to its store if not there yet."""
        key = (api_version, plural, namespace or None, label_selector or None,
               field_selector or None)
        informer = self._informers.get(key)
        if informer is None:
            informer = Informer(self.client, api_version, plural, namespace=namespace,
                                label_selector=label_selector, field_selector=field_selector,
                                watch_timeout=self.watch_timeout)
            self._informers[key] = informer
            if self._started:
                informer.start()
        for name, func in (indexers or {}).items():
            informer.store.add_indexer(name, func)
        return informer

    def start(self) -> None:
        """Start every informer handed out so far, and any handed out later."""
        self._started = True
        for informer in self._informers.values():
            informer.start()

    async def wait_synced(self) -> None:
        await asyncio.gather(*(i.wait_synced() for i in self._informers.values()))

    async def stop(self) -> None:
        self._started = False
        await asyncio.gather(*(i.stop() for i in self._informers.values()))

    async def __aenter__(self) -> SharedInformerFactory:
        self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()
