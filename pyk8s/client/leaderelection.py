"""Leader election on a `coordination.k8s.io/v1` Lease, as client-go does it.

Several replicas of a component (controller manager, scheduler) run; one
leads. The Lease `<namespace>/<name>` records who:

    spec.holderIdentity        the leader's identity
    spec.leaseDurationSeconds  how long the others wait for a renewal
    spec.acquireTime           when the current leader took over
    spec.renewTime             the leader's latest renewal
    spec.leaseTransitions      how many times leadership changed hands

Times are MicroTime strings (`2026-01-02T03:04:05.000000Z`).

A candidate reads the Lease every `retry_period` and writes itself in as
holder when the lease is free: missing, released (empty holder), or not
renewed for `leaseDurationSeconds`. Writes carry the resourceVersion just
read, so of two candidates racing, one gets 409 Conflict and stays a
follower. Expiry is judged by this process's monotonic clock from the moment
it last saw the record change, never by comparing wall clocks with the
leader's `renewTime`, so clock skew between machines does not matter.

The leader renews every `retry_period`. If it cannot renew for
`renew_deadline` (shorter than the lease duration, so it stops before
anyone else may start) it stops leading.

    elector = LeaderElector(client, "kube-system", "kube-controller-manager", identity)
    await elector.run(lead)  # waits to be leader, then runs `await lead()`

`run` returns when `lead()` returns (and re-raises what it raises);
leadership lost cancels `lead()`, waits for it, and raises `LeadershipLost`;
cancelling `run` cancels `lead()` too. Unless `release_on_exit=False`, a
leader that stops (not one that lost) releases the Lease so that another
candidate takes over at its next retry instead of after the lease expires.
"""

from __future__ import annotations

import asyncio
import datetime
import logging
import random
import time
from collections.abc import Callable, Coroutine
from typing import Any

from pyk8s.client.rest import (
    APIClient,
    RequestError,
    is_already_exists,
    is_conflict,
    is_not_found,
)

log = logging.getLogger(__name__)

Obj = dict[str, Any]
COORDINATION = "coordination.k8s.io/v1"


class LeadershipLost(Exception):
    """The Lease could not be renewed in time, or another candidate holds it."""


def micro_time(when: datetime.datetime | None = None) -> str:
    """RFC 3339 with microseconds, UTC: Kubernetes' MicroTime."""
    when = when or datetime.datetime.now(datetime.UTC)
    return when.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class LeaderElector:
    def __init__(self, client: APIClient, namespace: str, name: str, identity: str, *,
                 lease_duration: int = 15, renew_deadline: float = 10.0,
                 retry_period: float = 2.0, release_on_exit: bool = True) -> None:
        if not lease_duration > renew_deadline > retry_period * 1.2 > 0:
            raise ValueError("need lease_duration > renew_deadline > 1.2 * retry_period > 0")
        self.client = client
        self.namespace = namespace
        self.name = name
        self.identity = identity
        self.lease_duration = lease_duration
        self.renew_deadline = renew_deadline
        self.retry_period = retry_period
        self.release_on_exit = release_on_exit
        self._leading = False
        self._observed: tuple[Any, Any] | None = None  # (holder, renewTime) last seen
        self._observed_at = 0.0  # monotonic time it was first seen
        self._renewed_at = 0.0  # monotonic time of our latest successful write

    @property
    def is_leader(self) -> bool:
        return self._leading

    async def run(self, lead: Callable[[], Coroutine[Any, Any, None]]) -> None:
        await self._acquire()
        leading = asyncio.create_task(lead(), name=f"leading {self.name}")
        renewing = asyncio.create_task(self._renew(), name=f"renewing lease {self.name}")
        try:
            await asyncio.wait((leading, renewing), return_when=asyncio.FIRST_COMPLETED)
        finally:
            leading.cancel()
            renewing.cancel()
            await asyncio.wait((leading, renewing))
            lost = renewing.done() and not renewing.cancelled()
            self._leading = False
            if self.release_on_exit and not lost:
                await self._release()
        if lost:
            renewing.result()  # raises LeadershipLost
        leading.result()

    async def _acquire(self) -> None:
        log.info("%s: trying to acquire lease %s/%s", self.identity, self.namespace, self.name)
        while not await self._try_acquire_or_renew():
            await asyncio.sleep(self.retry_period * random.uniform(1.0, 1.2))
        self._leading = True
        log.info("%s: acquired lease %s/%s", self.identity, self.namespace, self.name)

    async def _renew(self) -> None:
        """Renew until it fails for renew_deadline; then raise LeadershipLost."""
        while True:
            await asyncio.sleep(self.retry_period)
            while True:
                remaining = self._renewed_at + self.renew_deadline - time.monotonic()
                if remaining <= 0:
                    log.warning("%s: failed to renew lease %s/%s for %.1fs; stopping leading",
                                self.identity, self.namespace, self.name, self.renew_deadline)
                    raise LeadershipLost(f"{self.namespace}/{self.name}")
                try:
                    async with asyncio.timeout(remaining):
                        if await self._try_acquire_or_renew():
                            break
                except TimeoutError:
                    continue
                remaining = self._renewed_at + self.renew_deadline - time.monotonic()
                await asyncio.sleep(max(min(self.retry_period, remaining), 0))

    async def _try_acquire_or_renew(self) -> bool:
        """One read and (maybe) write of the Lease; True if we hold it now."""
        now = micro_time()
        try:
            try:
                lease = await self.client.get(COORDINATION, "leases", self.name, self.namespace)
            except RequestError as e:
                if not is_not_found(e):
                    raise
                created = await self.client.create(COORDINATION, "leases", {
                    "apiVersion": COORDINATION, "kind": "Lease",
                    "metadata": {"name": self.name, "namespace": self.namespace},
                    "spec": {"holderIdentity": self.identity,
                             "leaseDurationSeconds": self.lease_duration,
                             "acquireTime": now, "renewTime": now, "leaseTransitions": 0},
                })
                return self._took(created)
            spec = lease.get("spec") or {}
            self._observe(spec)
            holder = spec.get("holderIdentity") or ""
            if holder and holder != self.identity and not self._expired(spec):
                return False
            new_spec = {**spec, "holderIdentity": self.identity,
                        "leaseDurationSeconds": self.lease_duration, "renewTime": now}
            if holder != self.identity:
                new_spec["acquireTime"] = now
                new_spec["leaseTransitions"] = int(spec.get("leaseTransitions") or 0) + 1
            updated = await self.client.update(COORDINATION, "leases",
                                               {**lease, "spec": new_spec})
            return self._took(updated)
        except RequestError as e:
            if is_conflict(e) or is_already_exists(e):
                log.debug("%s: lost a race for lease %s/%s", self.identity, self.namespace,
                          self.name)
            else:
                log.warning("%s: reading or writing lease %s/%s failed: %s", self.identity,
                            self.namespace, self.name, e)
            return False

    def _took(self, lease: Obj) -> bool:
        self._observe(lease.get("spec") or {})
        self._renewed_at = time.monotonic()
        return True

    def _observe(self, spec: Obj) -> None:
        record = (spec.get("holderIdentity"), spec.get("renewTime"))
        if record != self._observed:
            self._observed = record
            self._observed_at = time.monotonic()

    def _expired(self, spec: Obj) -> bool:
        duration = spec.get("leaseDurationSeconds") or self.lease_duration
        return time.monotonic() > self._observed_at + float(duration)

    async def _release(self) -> None:
        """Give the Lease up so that a successor need not wait for it to expire."""
        try:
            lease = await self.client.get(COORDINATION, "leases", self.name, self.namespace)
            spec = lease.get("spec") or {}
            if spec.get("holderIdentity") != self.identity:
                return
            now = micro_time()
            await self.client.update(COORDINATION, "leases", {**lease, "spec": {
                **spec, "holderIdentity": "", "leaseDurationSeconds": 1,
                "acquireTime": now, "renewTime": now}})
            log.info("%s: released lease %s/%s", self.identity, self.namespace, self.name)
        except RequestError as e:
            log.warning("%s: releasing lease %s/%s failed: %s", self.identity, self.namespace,
                        self.name, e)

