"""The scheduling queue: priority order, back-off, and retries on cluster events."""

from __future__ import annotations

import asyncio

from pyk8s.scheduler.nodeinfo import PodInfo
from pyk8s.scheduler.plugins.priority_sort import PrioritySort
from pyk8s.scheduler.queue import SchedulingQueue


def info(name: str, priority: int = 0) -> PodInfo:
    return PodInfo({"metadata": {"name": name, "namespace": "ns"},
                    "spec": {"containers": [], "priority": priority}})


def queue() -> SchedulingQueue:
    interested = {"NodeAdd": frozenset({"NodeResourcesFit"}),
                  "AssignedPodAdd": frozenset({"InterPodAffinity"})}
    return SchedulingQueue(PrioritySort(None).less,  # type: ignore[arg-type]
                           interested=lambda event: interested.get(event, frozenset()))


async def test_higher_priority_first_then_first_come() -> None:
    q = queue()
    for name, prio in (("low", 0), ("high", 100), ("low2", 0), ("mid", 50)):
        q.add(info(name, prio))
    assert [(await q.pop()).pod.name for _ in range(4)] == ["high", "mid", "low", "low2"]


async def test_unschedulable_pods_wait_for_an_event_their_rejecter_cares_about() -> None:
    q = queue()
    q.add(info("p"))
    qp = await q.pop()
    q.add_unschedulable(qp, {"NodeResourcesFit"}, cycle=q.scheduling_cycle)
    assert q.pending() == {"active": 0, "backoff": 0, "unschedulable": 1}
    q.move("AssignedPodAdd")  # InterPodAffinity's event: no help
    assert q.pending()["unschedulable"] == 1
    q.move("NodeAdd")
    assert q.pending() == {"active": 0, "backoff": 1, "unschedulable": 0}  # still backing off
    qp.backoff_until = 0
    q.flush()
    assert (await asyncio.wait_for(q.pop(), 1)).pod.name == "p"


async def test_an_event_during_the_attempt_is_not_lost() -> None:
    q = queue()
    q.add(info("p"))
    qp = await q.pop()
    cycle = q.scheduling_cycle
    q.move("NodeAdd")  # arrives while "p" is being scheduled
    q.add_unschedulable(qp, {"InterPodAffinity"}, cycle=cycle)
    assert q.pending()["backoff"] == 1


async def test_spec_updates_retry_a_parked_pod_status_updates_do_not() -> None:
    q = queue()
    q.add(info("p"))
    q.add_unschedulable(await q.pop(), {"NodeResourcesFit"}, cycle=q.scheduling_cycle)
    q.add(info("p"), requeue=False)
    assert q.pending()["unschedulable"] == 1
    q.add(info("p"))
    assert q.pending()["unschedulable"] == 0
    q.delete("ns/p")
    assert len(q) == 0
