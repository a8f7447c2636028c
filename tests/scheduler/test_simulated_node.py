"""The simulated kubelet's own rules, without a server: run times and pod addresses."""

from __future__ import annotations

import pytest

from pyk8s.agent.simulated import PodIPs, parse_duration


def test_run_times_are_go_durations() -> None:
    assert parse_duration("5s") == 5
    assert parse_duration("1m30s") == 90
    assert parse_duration("250ms") == 0.25
    assert parse_duration("2") == 2
    assert parse_duration("5 seconds") is None
    assert parse_duration("") is None


def test_pod_addresses_come_from_the_node_cidr_and_are_reused() -> None:
    ips = PodIPs()
    assert ips.allocate("n", "10.42.3.0/24", "ns/a") == "10.42.3.2"
    assert ips.allocate("n", "10.42.3.0/24", "ns/a") == "10.42.3.2"
    ips.claim("n", "ns/b", "10.42.3.3")
    assert ips.allocate("n", "10.42.3.0/24", "ns/c") == "10.42.3.4"
    ips.release("ns/a")
    assert ips.allocate("n", "10.42.3.0/24", "ns/d") == "10.42.3.2"
    assert ips.allocate("other", "10.42.4.0/24", "ns/e") == "10.42.4.2"
    tiny = PodIPs()
    tiny.allocate("t", "10.0.0.0/30", "ns/x")
    with pytest.raises(RuntimeError, match="no free pod address"):
        tiny.allocate("t", "10.0.0.0/30", "ns/y")
