"""A de-duplicating, rate-limited work queue, as in client-go's `workqueue`.

Controllers do not act on watch events directly. Informer handlers put the
*key* ("namespace/name") of whatever changed into a `WorkQueue`; workers take
keys out and reconcile the object's current state from the informer cache.
The queue guarantees what makes that pattern correct and cheap:

- de-duplication: a key added many times before a worker takes it is handed
  out once (ten updates to one object cost one reconcile);
- no concurrent processing of a key: between `get()` and `done(key)` the key
  is "processing"; adding it again then marks it dirty, and `done` puts it
  back in the queue, so two workers never reconcile one object at once and
  no change is lost;
- delays: `add_after(key, seconds)` adds the key later (a timer owned by the
  queue; an earlier request for the same key wins);
- back-off: `add_rate_limited(key)` adds it after the `RateLimiter`'s delay,
  the larger of a per-key exponential back-off (5 ms doubling up to 1000 s)
  and an overall token bucket (10 per second, bursts of 100); `forget(key)`
  resets the key's back-off after a success.

`shutdown()` stops everything at once: queued keys are dropped, pending
timers cancelled, later adds ignored and every `get()` raises `ShutDown`.

`run_workers(queue, sync, workers=N)` is the standard worker loop: it calls
`await sync(key)`, forgets the key on success, re-adds it rate-limited when
`sync` raises (logging the error), marks it done either way, and returns
when the queue shuts down.

The queue lives on one event loop and is not thread-safe; its methods other
than `get()` are synchronous so that informer event handlers can call them.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)


class ShutDown(Exception):
    """The queue is shut down: workers should return."""


class RateLimiter:
    """How long to wait before retrying a key: max(per-key back-off, token bucket)."""

    def __init__(self, base_delay: float = 0.005, max_delay: float = 1000.0,
                 qps: float = 10.0, burst: int = 100,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.qps = qps
        self.burst = burst
        self._clock = clock
        self._failures: dict[str, int] = {}
        self._tokens = float(burst)
        self._last = clock()

    def when(self, key: str) -> float:
        """Record one more failure of `key`; the delay before it may be retried."""
        failures = self._failures.get(key, 0)
        self._failures[key] = failures + 1
        backoff = min(self.base_delay * 2.0 ** failures, self.max_delay)
        return max(backoff, self._reserve())

    def _reserve(self) -> float:
        """Take a token, possibly one not yet refilled: the wait until it is."""
        now = self._clock()
        self._tokens = min(float(self.burst), self._tokens + (now - self._last) * self.qps)
        self._last = now
        self._tokens -= 1
        return 0.0 if self._tokens >= 0 else -self._tokens / self.qps

    def forget(self, key: str) -> None:
        self._failures.pop(key, None)

    def num_requeues(self, key: str) -> int:
        return self._failures.get(key, 0)


class WorkQueue:
    def __init__(self, name: str = "", rate_limiter: RateLimiter | None = None) -> None:
        self.name = name
        self.rate_limiter = rate_limiter or RateLimiter()
        self._queue: deque[str] = deque()  # ready, in order, each key at most once
        self._dirty: set[str] = set()  # needs processing (queued, or re-added meanwhile)
        self._processing: set[str] = set()  # handed out, not yet done
        self._timers: dict[str, tuple[float, asyncio.TimerHandle]] = {}
        self._getters: deque[asyncio.Future[None]] = deque()
        self._shutting_down = False

    def __len__(self) -> int:
        """Keys ready to be handed out."""
        return len(self._queue)

    @property
    def shutting_down(self) -> bool:
        return self._shutting_down

    def add(self, key: str) -> None:
        if self._shutting_down or key in self._dirty:
            return
        self._dirty.add(key)
        if key in self._processing:
            return  # `done` re-queues it
        self._queue.append(key)
        self._wake_one()

    def add_after(self, key: str, delay: float) -> None:
        if self._shutting_down:
            return
        if delay <= 0:
            self.add(key)
            return
        loop = asyncio.get_running_loop()
        when = loop.time() + delay
        pending = self._timers.get(key)
        if pending is not None:
            if pending[0] <= when:
                return
            pending[1].cancel()
        self._timers[key] = (when, loop.call_at(when, self._fire, key))

    def _fire(self, key: str) -> None:
        del self._timers[key]
        self.add(key)

    def add_rate_limited(self, key: str) -> None:
        self.add_after(key, self.rate_limiter.when(key))

    def forget(self, key: str) -> None:
        """Stop tracking the key's failures (call after it was processed successfully)."""
        self.rate_limiter.forget(key)

    def num_requeues(self, key: str) -> int:
        return self.rate_limiter.num_requeues(key)

    async def get(self) -> str:
        """The next key, marked as processing until `done(key)`; raises `ShutDown`."""
        while not self._queue:
            if self._shutting_down:
                raise ShutDown(self.name)
            waiter = asyncio.get_running_loop().create_future()
            self._getters.append(waiter)
            try:
                await waiter
            except asyncio.CancelledError:
                if waiter.done() and not waiter.cancelled():
                    self._wake_one()  # we were woken but will not take the key: pass it on
                else:
                    self._getters.remove(waiter)
                raise
        key = self._queue.popleft()
        self._dirty.discard(key)
        self._processing.add(key)
        return key

    def done(self, key: str) -> None:
        """Processing of `key` finished; if it was added meanwhile, queue it again."""
        self._processing.discard(key)
        if key in self._dirty and not self._shutting_down:
            self._queue.append(key)
            self._wake_one()

    def shutdown(self) -> None:
        self._shutting_down = True
        self._queue.clear()
        self._dirty.clear()
        for _, timer in self._timers.values():
            timer.cancel()
        self._timers.clear()
        while self._getters:
            waiter = self._getters.popleft()
            if not waiter.done():
                waiter.set_result(None)

    def _wake_one(self) -> None:
        while self._getters:
            waiter = self._getters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return


async def run_workers(queue: WorkQueue, sync: Callable[[str], Awaitable[None]],
                      workers: int = 1) -> None:
    """Process keys with `workers` concurrent workers until the queue shuts down.

    Cancelling this coroutine cancels the workers (a `sync` in progress sees
    the cancellation) and waits for them.
    """

    async def worker() -> None:
        while True:
            try:
                key = await queue.get()
            except ShutDown:
                return
            try:
                await sync(key)
            except Exception:
                log.exception("%s: syncing %r failed; retrying with back-off",
                              queue.name or "workqueue", key)
                queue.add_rate_limited(key)
            else:
                queue.forget(key)
            finally:
                queue.done(key)

    async with asyncio.TaskGroup() as tg:
        for i in range(workers):
            tg.create_task(worker(), name=f"{queue.name or 'workqueue'} worker {i}")
