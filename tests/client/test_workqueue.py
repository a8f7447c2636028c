"""WorkQueue and RateLimiter: pure unit tests with small delays."""

from __future__ import annotations

import asyncio

import pytest

from pyk8s.client.workqueue import RateLimiter, ShutDown, WorkQueue, run_workers


async def get_soon(q: WorkQueue, timeout: float = 0.05) -> str | None:
    try:
        return await asyncio.wait_for(q.get(), timeout)
    except TimeoutError:
        return None


async def test_deduplicates_queued_keys() -> None:
    q = WorkQueue()
    for key in ("a", "b", "a", "a", "b", "c"):
        q.add(key)
    assert len(q) == 3
    assert [await q.get() for _ in range(3)] == ["a", "b", "c"]
    assert await get_soon(q) is None


async def test_key_being_processed_is_not_handed_out_again_until_done() -> None:
    q = WorkQueue()
    q.add("a")
    assert await q.get() == "a"
    q.add("a")
    q.add("a")
    assert len(q) == 0
    assert await get_soon(q) is None  # still processing
    q.done("a")
    assert await q.get() == "a"  # once, though added twice meanwhile
    q.done("a")
    assert await get_soon(q) is None


async def test_done_without_readd_does_not_requeue() -> None:
    q = WorkQueue()
    q.add("a")
    await q.get()
    q.done("a")
    assert len(q) == 0


async def test_waiting_getter_is_woken_by_add() -> None:
    q = WorkQueue()
    getter = asyncio.create_task(q.get())
    await asyncio.sleep(0.01)
    assert not getter.done()
    q.add("x")
    assert await asyncio.wait_for(getter, 1) == "x"


async def test_cancelled_getter_does_not_swallow_a_key() -> None:
    q = WorkQueue()
    first = asyncio.create_task(q.get())
    second = asyncio.create_task(q.get())
    await asyncio.sleep(0.01)
    q.add("x")  # wakes `first`...
    first.cancel()  # ...which is cancelled before it can take the key
    with pytest.raises(asyncio.CancelledError):
        await first
    assert await asyncio.wait_for(second, 1) == "x"


async def test_add_after_delays_and_earliest_request_wins() -> None:
    q = WorkQueue()
    q.add_after("a", 0.2)
    q.add_after("a", 0.05)  # earlier: replaces
    q.add_after("a", 0.5)  # later: ignored
    q.add_after("now", 0)
    assert await get_soon(q, 0.01) == "now"
    assert await get_soon(q, 0.02) is None
    loop = asyncio.get_running_loop()
    start = loop.time()
    assert await get_soon(q, 1) == "a"
    assert 0.02 <= loop.time() - start < 0.15
    q.done("a")
    assert await get_soon(q, 0.6) is None  # the later requests were merged


async def test_add_rate_limited_backs_off_per_key_and_forget_resets() -> None:
    q = WorkQueue(rate_limiter=RateLimiter(base_delay=0.02))
    loop = asyncio.get_running_loop()
    delays = []
    for _ in range(3):
        start = loop.time()
        q.add_rate_limited("a")
        key = await asyncio.wait_for(q.get(), 1)
        delays.append(loop.time() - start)
        q.done(key)
    assert q.num_requeues("a") == 3
    assert delays[0] >= 0.015 and delays[1] >= 0.035 and delays[2] >= 0.075
    q.forget("a")
    assert q.num_requeues("a") == 0


def test_rate_limiter_exponential_backoff_is_capped() -> None:
    rl = RateLimiter(burst=10_000)
    assert [rl.when("k") for _ in range(4)] == pytest.approx([0.005, 0.01, 0.02, 0.04])
    for _ in range(40):
        last = rl.when("k")
    assert last == 1000.0
    assert rl.when("other") == pytest.approx(0.005)  # per key
    rl.forget("k")
    assert rl.when("k") == pytest.approx(0.005)


def test_rate_limiter_token_bucket_limits_overall_rate() -> None:
    now = [100.0]
    rl = RateLimiter(base_delay=0.0, qps=10, burst=100, clock=lambda: now[0])
    assert all(rl.when(f"k{i}") == 0 for i in range(100))  # the burst
    assert rl.when("k100") == pytest.approx(0.1)  # then 10 per second
    assert rl.when("k101") == pytest.approx(0.2)
    now[0] += 1.0  # ten tokens refilled, two of them already promised
    assert all(rl.when(f"j{i}") == 0 for i in range(8))
    assert rl.when("j8") == pytest.approx(0.1)


async def test_shutdown_wakes_getters_and_ignores_adds() -> None:
    q = WorkQueue()
    getter = asyncio.create_task(q.get())
    await asyncio.sleep(0.01)
    q.add_after("later", 0.05)
    q.shutdown()
    with pytest.raises(ShutDown):
        await asyncio.wait_for(getter, 1)
    q.add("a")
    q.add_rate_limited("b")
    assert len(q) == 0
    with pytest.raises(ShutDown):
        await q.get()
    await asyncio.sleep(0.08)  # the cancelled timer never fires
    assert len(q) == 0


async def test_run_workers_retries_failures_and_forgets_successes() -> None:
    q = WorkQueue(rate_limiter=RateLimiter(base_delay=0.01))
    calls: list[str] = []
    requeues: list[int] = []

    async def sync(key: str) -> None:
        calls.append(key)
        requeues.append(q.num_requeues(key))
        if calls.count(key) < 3:
            raise RuntimeError("not yet")
        q.shutdown()

    q.add("a")
    await asyncio.wait_for(run_workers(q, sync, workers=2), 2)
    assert calls == ["a", "a", "a"]
    assert requeues == [0, 1, 2]
    assert q.num_requeues("a") == 0  # forgotten after the success


async def test_run_workers_never_processes_a_key_concurrently() -> None:
    q = WorkQueue()
    in_flight: set[str] = set()
    overlaps = 0
    processed: list[str] = []

    async def sync(key: str) -> None:
        nonlocal overlaps
        if key in in_flight:
            overlaps += 1
        in_flight.add(key)
        await asyncio.sleep(0.01)
        q.add(key if len(processed) < 20 else "x")  # re-add while processing
        in_flight.discard(key)
        processed.append(key)

    for key in ("a", "b", "c"):
        q.add(key)
    workers = asyncio.create_task(run_workers(q, sync, workers=4))
    while len(processed) < 30:
        await asyncio.sleep(0.01)
    q.shutdown()
    await asyncio.wait_for(workers, 1)
    assert overlaps == 0
    assert {"a", "b", "c"} <= set(processed)


async def test_cancelling_run_workers_stops_the_workers() -> None:
    q = WorkQueue()
    started = asyncio.Event()

    async def sync(key: str) -> None:
        started.set()
        await asyncio.sleep(10)

    q.add("a")
    workers = asyncio.create_task(run_workers(q, sync, workers=2))
    await asyncio.wait_for(started.wait(), 1)
    workers.cancel()
    with pytest.raises(asyncio.CancelledError):
        await workers
    q.add("a")  # done() was called: the key is free again
    assert await get_soon(q) == "a"
