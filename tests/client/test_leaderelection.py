"""Leader election between real electors sharing one Lease on a real server.

Short leases (2 s, renew deadline 1.5 s, retry 0.3 s) keep this quick; the
logic is the same as with the 15 s defaults.
"""

from __future__ import annotations

import asyncio
import re
import time
import uuid
from collections.abc import Callable

import pytest

from pyk8s.client import APIClient, LeaderElector, LeadershipLost, micro_time

FAST = {"lease_duration": 2, "renew_deadline": 1.5, "retry_period": 0.3}
MICRO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")


class Candidate:
    def __init__(self, client: APIClient, lease: str, identity: str, **kwargs: object) -> None:
        self.elector = LeaderElector(client, "kube-system", lease, identity,
                                     **{**FAST, **kwargs})  # type: ignore[arg-type]
        self.leading = asyncio.Event()
        self.stopped_leading = asyncio.Event()
        self.task = asyncio.create_task(self.elector.run(self.lead))

    async def lead(self) -> None:
        self.leading.set()
        try:
            await asyncio.sleep(3600)
        finally:
            self.stopped_leading.set()

    async def stop(self) -> None:
        self.task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await self.task


async def eventually(cond: Callable[[], bool], timeout: float) -> None:
    async with asyncio.timeout(timeout):
        while not cond():
            await asyncio.sleep(0.02)


async def lease_spec(client: APIClient, name: str) -> dict[str, object]:
    lease = await client.get("coordination.k8s.io/v1", "leases", name, "kube-system")
    spec: dict[str, object] = lease["spec"]
    return spec


async def test_one_leader_and_takeover_after_the_leader_stops_renewing(
        client: APIClient) -> None:
    lease = f"le-{uuid.uuid4().hex[:6]}"
    a = Candidate(client, lease, "a", release_on_exit=False)
    await asyncio.wait_for(a.leading.wait(), 5)
    b = Candidate(client, lease, "b")
    await asyncio.sleep(2.5)  # longer than the lease: a keeps renewing, b never leads
    assert a.elector.is_leader and not b.elector.is_leader and not b.leading.is_set()
    spec = await lease_spec(client, lease)
    assert spec["holderIdentity"] == "a" and spec["leaseDurationSeconds"] == 2
    assert spec["leaseTransitions"] == 0
    assert MICRO.match(str(spec["renewTime"])) and MICRO.match(str(spec["acquireTime"]))

    await a.stop()  # a crashes: no release, the lease just stops being renewed
    assert a.stopped_leading.is_set() and not a.elector.is_leader
    start = time.monotonic()
    await asyncio.wait_for(b.leading.wait(), 5)
    waited = time.monotonic() - start
    assert 1.0 < waited < 3.5  # about one lease duration
    spec = await lease_spec(client, lease)
    assert spec["holderIdentity"] == "b" and spec["leaseTransitions"] == 1
    await b.stop()


async def test_a_released_lease_is_taken_over_at_once(client: APIClient) -> None:
    lease = f"le-{uuid.uuid4().hex[:6]}"
    a = Candidate(client, lease, "a")
    await asyncio.wait_for(a.leading.wait(), 5)
    b = Candidate(client, lease, "b")
    await asyncio.sleep(0.5)
    await a.stop()  # releases the lease on the way out
    start = time.monotonic()
    await asyncio.wait_for(b.leading.wait(), 5)
    assert time.monotonic() - start < 1.0  # no waiting for the lease to expire
    await b.stop()
    spec = await lease_spec(client, lease)
    assert spec["holderIdentity"] in ("", None) and spec["leaseTransitions"] == 1


async def test_leader_whose_lease_is_taken_stops_leading(client: APIClient) -> None:
    lease = f"le-{uuid.uuid4().hex[:6]}"
    a = Candidate(client, lease, "a")
    await asyncio.wait_for(a.leading.wait(), 5)

    async def usurp() -> None:  # keeps writing itself in as holder
        while True:
            current = await client.get("coordination.k8s.io/v1", "leases", lease, "kube-system")
            current["spec"].update(holderIdentity="intruder", renewTime=micro_time())
            await client.update("coordination.k8s.io/v1", "leases", current)
            await asyncio.sleep(0.2)

    intruder = asyncio.create_task(usurp())
    try:
        with pytest.raises(LeadershipLost):
            await asyncio.wait_for(a.task, 5)
    finally:
        intruder.cancel()
        await asyncio.gather(intruder, return_exceptions=True)
    assert a.stopped_leading.is_set() and not a.elector.is_leader


async def test_run_returns_what_lead_returns_and_releases(client: APIClient) -> None:
    lease = f"le-{uuid.uuid4().hex[:6]}"
    elector = LeaderElector(client, "kube-system", lease, "solo", **FAST)  # type: ignore[arg-type]
    ran: list[bool] = []

    async def lead() -> None:
        ran.append(elector.is_leader)

    await asyncio.wait_for(elector.run(lead), 5)
    assert ran == [True] and not elector.is_leader
    assert (await lease_spec(client, lease))["holderIdentity"] in ("", None)

    async def fail() -> None:
        raise KeyError("boom")

    with pytest.raises(KeyError):
        await asyncio.wait_for(elector.run(fail), 5)


def test_timings_must_be_consistent(client: APIClient) -> None:
    with pytest.raises(ValueError):
        LeaderElector(client, "kube-system", "x", "me", lease_duration=2, renew_deadline=3)
