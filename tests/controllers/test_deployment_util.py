"""The arithmetic of rollouts: surge and unavailability, new sizes, proportional scaling."""

from __future__ import annotations

from typing import Any

from pyk8s.controllers import deployment_util as du


def deployment(replicas: int, surge: Any = "25%", unavailable: Any = "25%") -> dict[str, Any]:
    return {"metadata": {"name": "d", "generation": 1}, "spec": {
        "replicas": replicas, "template": {"metadata": {"labels": {"app": "d"}}},
        "strategy": {"type": "RollingUpdate",
                     "rollingUpdate": {"maxSurge": surge, "maxUnavailable": unavailable}}}}


def rs(name: str, replicas: int, created: str, max_replicas: int | None = None
       ) -> dict[str, Any]:
    annotations = {du.MAX_REPLICAS: str(max_replicas)} if max_replicas is not None else {}
    return {"metadata": {"name": name, "creationTimestamp": created,
                         "annotations": annotations}, "spec": {"replicas": replicas}}


def test_percentages_round_surge_up_and_unavailable_down() -> None:
    assert du.fenceposts(deployment(10)) == (3, 2)
    assert du.fenceposts(deployment(1, surge=0, unavailable="10%")) == (0, 1)
    assert du.max_unavailable(deployment(2, unavailable=5)) == 2


def test_new_replicaset_grows_within_the_surge() -> None:
    d = deployment(4, surge=1, unavailable=1)
    old, new = rs("old", 4, "1"), rs("new", 0, "2")
    assert du.new_rs_new_replicas(d, [old, new], new) == 1
    old["spec"]["replicas"] = 3
    new["spec"]["replicas"] = 1
    assert du.new_rs_new_replicas(d, [old, new], new) == 2


def test_scaling_mid_rollout_is_proportional() -> None:
    d = deployment(20, surge=0, unavailable=1)
    old, new = rs("old", 6, "1", max_replicas=10), rs("new", 4, "2", max_replicas=10)
    assert du.proportional_sizes(d, [old, new]) == {"old": 12, "new": 8}


def test_template_equality_ignores_the_hash_label() -> None:
    a = {"metadata": {"labels": {"app": "d", du.HASH_LABEL: "abc"}}, "spec": {"x": 1}}
    b = {"metadata": {"labels": {"app": "d"}, "creationTimestamp": None}, "spec": {"x": 1}}
    assert du.equal_ignore_hash(a, b)
    assert du.template_hash(b, None) == du.template_hash(b, None) != du.template_hash(b, 1)
