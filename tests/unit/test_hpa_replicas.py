"""The HPA's replica calculation, stabilization and rate limits, as Kubernetes computes them."""

from __future__ import annotations

import pytest

from pyk8s.controllers.horizontalpodautoscaler import (
    DEFAULT_SCALE_DOWN,
    DEFAULT_SCALE_UP,
    History,
    MetricError,
    PodSample,
    resource_replicas,
    scale_down_limit,
    scale_up_limit,
    stabilize,
)


def pods(*usages: int | None, request: int = 500, ready: bool = True) -> list[PodSample]:
    return [PodSample(f"p{i}", usage=u, request=request, ready=ready)
            for i, u in enumerate(usages)]


def test_utilization_above_target_scales_up_by_the_ratio() -> None:
    got = resource_replicas(2, pods(400, 400), resource="cpu", utilization=50)
    assert (got.replicas, got.utilization, got.average) == (4, 80, 400)


def test_ratio_within_tolerance_keeps_the_replicas() -> None:
    got = resource_replicas(3, pods(270, 270, 270), resource="cpu", utilization=50)
    assert got.replicas == 3 and got.utilization == 54


def test_utilization_below_target_scales_down() -> None:
    assert resource_replicas(5, pods(*[50] * 5), resource="cpu", utilization=50).replicas == 1


def test_average_value_target() -> None:
    got = resource_replicas(2, pods(300_000, 100_000), resource="memory", average=100_000)
    assert (got.replicas, got.utilization, got.average) == (4, None, 200_000)


def test_missing_pods_count_as_using_their_request_on_scale_down() -> None:
    # Two pods at 10 % and one without metrics: assumed at 100 %, so 40 % of 50 % target.
    got = resource_replicas(3, pods(50, 50, None), resource="cpu", utilization=50)
    assert got.replicas == 3  # ratio 0.8 * 3 pods = 2.4 -> 3: no scale-down beyond that
    got = resource_replicas(4, pods(25, 25, 25, None), resource="cpu", utilization=50)
    assert got.replicas == 3  # (25+25+25+500)/2000 = 28 % -> 0.575 * 4 = 2.3 -> 3


def test_missing_pods_count_as_idle_on_scale_up() -> None:
    got = resource_replicas(2, pods(500, None), resource="cpu", utilization=50)
    assert got.replicas == 2  # 100 % of 50 % -> with the missing one idle: 50 %, in tolerance
    got = resource_replicas(2, pods(1000, None), resource="cpu", utilization=50)
    assert got.replicas == 4  # 200 %; with the idle one 100 % -> ratio 2 * 2 pods


def test_unready_pods_damp_a_scale_up() -> None:
    samples = [*pods(450, 450), PodSample("new", usage=None, request=500, ready=False)]
    assert resource_replicas(3, samples, resource="cpu", utilization=50).replicas == 4


def test_ignored_pods_do_not_count() -> None:
    samples = [*pods(400, 400), PodSample("gone", usage=900, request=500, ignored=True)]
    assert resource_replicas(3, samples, resource="cpu", utilization=50).replicas == 4


def test_no_metrics_or_no_request_is_an_error() -> None:
    with pytest.raises(MetricError, match="did not receive metrics"):
        resource_replicas(1, pods(None), resource="cpu", utilization=50)
    with pytest.raises(MetricError, match="missing request for cpu"):
        resource_replicas(1, [PodSample("p", usage=100, request=None)], resource="cpu",
                          utilization=50)


def test_scale_down_stabilization_applies_the_highest_recent_recommendation() -> None:
    h = History()
    assert stabilize(h, 0.0, 1, 5, up_window=0, down_window=300) == 5
    assert stabilize(h, 10.0, 5, 2, up_window=0, down_window=300) == 5
    assert stabilize(h, 400.0, 5, 2, up_window=0, down_window=300) == 2


def test_scale_up_stabilization_applies_the_lowest_recent_recommendation() -> None:
    h = History()
    assert stabilize(h, 0.0, 2, 2, up_window=60, down_window=0) == 2
    assert stabilize(h, 10.0, 2, 6, up_window=60, down_window=0) == 2
    assert stabilize(h, 80.0, 2, 6, up_window=60, down_window=0) == 6


def test_default_policies_limit_the_rate() -> None:
    assert scale_up_limit(1, [], DEFAULT_SCALE_UP, 0.0) == 5  # 4 pods beats 100 %
    assert scale_up_limit(10, [], DEFAULT_SCALE_UP, 0.0) == 20  # 100 % beats 4 pods
    assert scale_up_limit(8, [(0.0, 4)], DEFAULT_SCALE_UP, 5.0) == 8  # started at 4: 8 max
    assert scale_up_limit(8, [(0.0, 4)], DEFAULT_SCALE_UP, 20.0) == 16  # period over
    assert scale_down_limit(10, [], DEFAULT_SCALE_DOWN, 0.0) == 0
    pods_policy = {"selectPolicy": "Max", "policies": [
        {"type": "Pods", "value": 1, "periodSeconds": 60}]}
    assert scale_down_limit(5, [(0.0, 1)], pods_policy, 30.0) == 5
    assert scale_down_limit(5, [], {"selectPolicy": "Disabled"}, 0.0) == 5
