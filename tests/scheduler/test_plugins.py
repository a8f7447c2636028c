"""The scheduler's plugins and framework on plain dicts: no server, no network.

Each test builds a small cluster in a `SchedulerCache` and asks the
profile's framework where a pod goes, or why it goes nowhere (the message
`kubectl describe pod` would show).
"""

from __future__ import annotations

from typing import Any

import pytest

from pyk8s.scheduler.cache import SchedulerCache
from pyk8s.scheduler.framework import CycleState, FitError, Profile
from pyk8s.scheduler.nodeinfo import PodInfo, pod_requests
from pyk8s.scheduler.plugins.default_preemption import DefaultPreemption
from pyk8s.scheduler.runtime import Framework, nodes_to_find

Obj = dict[str, Any]


def node(name: str, cpu: str = "2", memory: str = "4Gi", pods: int = 110,
         labels: dict[str, str] | None = None, **spec: Any) -> Obj:
    resources = {"cpu": cpu, "memory": memory, "pods": str(pods)}
    return {"metadata": {"name": name, "labels": {"kubernetes.io/hostname": name,
                                                  **(labels or {})}},
            "spec": spec, "status": {"capacity": resources, "allocatable": resources}}


def pod(name: str, *, cpu: str | None = None, memory: str | None = None,
        labels: dict[str, str] | None = None, node_name: str = "", priority: int = 0,
        namespace: str = "default", **spec: Any) -> Obj:
    requests = {k: v for k, v in (("cpu", cpu), ("memory", memory)) if v}
    container: Obj = {"name": "c", "image": "busybox"}
    if requests:
        container["resources"] = {"requests": requests}
    return {"metadata": {"name": name, "namespace": namespace, "uid": f"uid-{name}",
                         "labels": labels or {}},
            "spec": {"containers": [container], "nodeName": node_name, "priority": priority,
                     **spec},
            "status": {"phase": "Running" if node_name else "Pending"}}


class Cluster:
    def __init__(self, *nodes: Obj, pods: tuple[Obj, ...] = ()) -> None:
        self.cache = SchedulerCache()
        for n in nodes:
            self.cache.set_node(n)
        for p in pods:
            self.cache.set_pod(p)
        self.framework = Framework(Profile(), cache=self.cache, client=None,  # type: ignore
                                   recorder=None)  # type: ignore

    def schedule(self, p: Obj) -> str:
        return self.framework.schedule(CycleState(), PodInfo(p))

    def failure(self, p: Obj) -> str:
        with pytest.raises(FitError) as e:
            self.schedule(p)
        return str(e.value)


# Resources ----------------------------------------------------------------------


def test_init_containers_count_as_kubernetes_counts_them() -> None:
    spec = {
        "containers": [{"name": "a", "resources": {"requests": {"cpu": "100m"}}},
                       {"name": "b", "resources": {"requests": {"cpu": "200m"}}}],
        "initContainers": [
            {"name": "big-init", "resources": {"requests": {"cpu": "1", "memory": "1Gi"}}},
            {"name": "sidecar", "restartPolicy": "Always",
             "resources": {"requests": {"cpu": "50m"}}},
            {"name": "late-init", "resources": {"requests": {"cpu": "500m"}}},
        ],
        "overhead": {"cpu": "10m"},
    }
    # cpu: max(100+200+50 sidecar, 1000, 500+50) + 10 overhead; memory: the init's 1Gi
    assert pod_requests(spec) == {"cpu": 1010, "memory": 2**30}
    assert pod_requests({"containers": [{"name": "a"}]}, non_zero=True) == \
        {"cpu": 100, "memory": 200 * 2**20}


def test_insufficient_resources_and_too_many_pods_are_counted_per_node() -> None:
    c = Cluster(node("n1", cpu="1"), node("n2", memory="1Gi"), node("n3", pods=1),
                pods=(pod("full", node_name="n3"),))
    assert c.failure(pod("big", cpu="1500m", memory="2Gi")) == (
        "0/3 nodes are available: 1 Insufficient cpu, 1 Insufficient memory, 1 Too many "
        "pods.")
    assert c.schedule(pod("small", cpu="500m", memory="512Mi")) in ("n1", "n2")


def test_extended_resources_must_be_offered() -> None:
    gpu = node("gpu")
    gpu["status"]["allocatable"]["example.com/gpu"] = "2"
    c = Cluster(node("plain"), gpu)
    wants = pod("trainer")
    wants["spec"]["containers"][0]["resources"] = {"requests": {"example.com/gpu": "2"}}
    assert c.schedule(wants) == "gpu"
    c.cache.set_pod({**wants, "spec": {**wants["spec"], "nodeName": "gpu"}})
    assert c.failure(pod("second", **{"containers": wants["spec"]["containers"]})) == \
        "0/2 nodes are available: 2 Insufficient example.com/gpu."


def test_least_allocated_prefers_the_emptier_node() -> None:
    c = Cluster(node("busy"), node("idle"),
                pods=(pod("a", cpu="1500m", memory="3Gi", node_name="busy"),))
    assert c.schedule(pod("new", cpu="100m", memory="100Mi")) == "idle"


# Node-level filters --------------------------------------------------------------------


def test_untolerated_taint_is_named_in_the_message() -> None:
    c = Cluster(node("tainted", taints=[{"key": "dedicated", "value": "db",
                                          "effect": "NoSchedule"}]),
                node("small1", cpu="100m"), node("small2", cpu="100m"))
    assert c.failure(pod("web", cpu="1")) == (
        "0/3 nodes are available: 1 node(s) had untolerated taint {dedicated: db}, "
        "2 Insufficient cpu.")
    tolerant = pod("db", cpu="1", tolerations=[{"key": "dedicated", "operator": "Exists"}])
    assert c.schedule(tolerant) == "tainted"


def test_prefer_no_schedule_taints_only_lower_the_score() -> None:
    c = Cluster(node("soft", taints=[{"key": "spot", "effect": "PreferNoSchedule"}]),
                node("clean"))
    assert c.schedule(pod("p")) == "clean"
    c = Cluster(node("soft", taints=[{"key": "spot", "effect": "PreferNoSchedule"}]))
    assert c.schedule(pod("p")) == "soft"


def test_cordoned_nodes_and_node_names() -> None:
    c = Cluster(node("cordoned", unschedulable=True), node("other", cpu="100m"))
    assert c.failure(pod("p", cpu="1")) == (
        "0/2 nodes are available: 1 Insufficient cpu, 1 node(s) were unschedulable.")
    c = Cluster(node("a"), node("b"))
    assert c.failure(pod("p", nodeName="c")) == \
        "0/2 nodes are available: 2 node(s) didn't match the requested node name."


def test_node_selector_and_required_node_affinity() -> None:
    c = Cluster(node("ssd", labels={"disk": "ssd", "gen": "5"}),
                node("hdd", labels={"disk": "hdd", "gen": "3"}))
    assert c.schedule(pod("p", nodeSelector={"disk": "ssd"})) == "ssd"
    newer = {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
        "nodeSelectorTerms": [{"matchExpressions": [
            {"key": "gen", "operator": "Gt", "values": ["4"]}]}]}}}
    assert c.schedule(pod("p", affinity=newer)) == "ssd"
    assert c.failure(pod("p", nodeSelector={"disk": "nvme"})) == \
        "0/2 nodes are available: 2 node(s) didn't match Pod's node affinity/selector."
    by_name = {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
        "nodeSelectorTerms": [{"matchFields": [
            {"key": "metadata.name", "operator": "In", "values": ["hdd"]}]}]}}}
    assert c.schedule(pod("p", affinity=by_name)) == "hdd"


def test_preferred_node_affinity_wins_the_score() -> None:
    c = Cluster(node("a", labels={"zone": "x"}), node("b", labels={"zone": "y"}))
    prefer_y = {"nodeAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [
        {"weight": 50, "preference": {"matchExpressions": [
            {"key": "zone", "operator": "In", "values": ["y"]}]}}]}}
    assert all(c.schedule(pod(f"p{i}", affinity=prefer_y)) == "b" for i in range(5))


def test_host_ports_conflict() -> None:
    def web(name: str, node_name: str = "", host_ip: str = "") -> Obj:
        p = pod(name, node_name=node_name)
        port: Obj = {"containerPort": 80, "hostPort": 8080, "protocol": "TCP"}
        if host_ip:
            port["hostIP"] = host_ip
        p["spec"]["containers"][0]["ports"] = [port]
        return p
    c = Cluster(node("a"), node("b"), pods=(web("one", "a"),))
    assert c.schedule(web("two")) == "b"
    c.cache.set_pod(web("two", "b"))
    assert c.failure(web("three", host_ip="127.0.0.1")) == (
        "0/2 nodes are available: 2 node(s) didn't have free ports for the requested pod "
        "ports.")


# Inter-pod affinity and topology spread ------------------------------------------------


def zones() -> tuple[Obj, ...]:
    return (node("a1", labels={"zone": "a"}), node("a2", labels={"zone": "a"}),
            node("b1", labels={"zone": "b"}))


def test_required_anti_affinity_keeps_replicas_apart() -> None:
    apart = {"podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
        {"labelSelector": {"matchLabels": {"app": "db"}},
         "topologyKey": "kubernetes.io/hostname"}]}}
    c = Cluster(*zones())
    placed = []
    for i in range(3):
        p = pod(f"db{i}", labels={"app": "db"}, affinity=apart)
        n = c.schedule(p)
        placed.append(n)
        c.cache.set_pod({**p, "spec": {**p["spec"], "nodeName": n}})
    assert sorted(placed) == ["a1", "a2", "b1"]
    assert c.failure(pod("db3", labels={"app": "db"}, affinity=apart)) == \
        "0/3 nodes are available: 3 node(s) didn't match pod anti-affinity rules."
    # An unrelated pod may not join either: the existing pods' anti-affinity forbids it.
    assert c.failure(pod("intruder", labels={"app": "db"})) == \
        "0/3 nodes are available: 3 node(s) didn't satisfy existing pods anti-affinity rules."


def test_required_affinity_follows_the_matching_pod_into_its_zone() -> None:
    near_cache = {"podAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
        {"labelSelector": {"matchLabels": {"app": "cache"}}, "topologyKey": "zone"}]}}
    c = Cluster(*zones(), pods=(pod("cache", labels={"app": "cache"}, node_name="b1"),))
    assert c.schedule(pod("web", affinity=near_cache)) == "b1"
    c = Cluster(*zones())
    assert c.failure(pod("web", affinity=near_cache)) == \
        "0/3 nodes are available: 3 node(s) didn't match pod affinity rules."
    # The first pod of a group that wants to be with its own kind may go anywhere.
    assert c.schedule(pod("cache", labels={"app": "cache"}, affinity=near_cache))


def test_preferred_anti_affinity_spreads_when_it_can() -> None:
    spread = {"podAntiAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [
        {"weight": 100, "podAffinityTerm": {"labelSelector": {"matchLabels": {"app": "w"}},
                                            "topologyKey": "zone"}}]}}
    c = Cluster(*zones(), pods=(pod("w0", labels={"app": "w"}, node_name="a1"),))
    assert c.schedule(pod("w1", labels={"app": "w"}, affinity=spread)) == "b1"


def test_topology_spread_do_not_schedule() -> None:
    spread = [{"maxSkew": 1, "topologyKey": "zone", "whenUnsatisfiable": "DoNotSchedule",
               "labelSelector": {"matchLabels": {"app": "w"}}}]
    c = Cluster(*zones(), pods=(pod("w0", labels={"app": "w"}, node_name="a1"),))
    assert c.schedule(pod("w1", labels={"app": "w"}, topologySpreadConstraints=spread)) == "b1"
    c.cache.set_pod(pod("w1", labels={"app": "w"}, node_name="b1"))
    c.cache.set_pod(pod("w2", labels={"app": "w"}, node_name="b1"))
    assert c.schedule(pod("w3", labels={"app": "w"},
                          topologySpreadConstraints=spread)) in ("a1", "a2")
    # A node without the topology label can never satisfy the constraint.
    c = Cluster(node("bare"), node("a1", cpu="100m", labels={"zone": "a"}),
                node("b1", labels={"zone": "b"}),
                pods=(pod("w0", labels={"app": "w"}, node_name="b1"),
                      pod("w1", labels={"app": "w"}, node_name="b1")))
    assert c.failure(pod("w2", cpu="500m", labels={"app": "w"},
                         topologySpreadConstraints=spread)) == (
        "0/3 nodes are available: 1 Insufficient cpu, 1 node(s) didn't match pod topology "
        "spread constraints, 1 node(s) didn't match pod topology spread constraints (missing "
        "required label).")


def test_topology_spread_schedule_anyway_prefers_the_emptier_domain() -> None:
    spread = [{"maxSkew": 1, "topologyKey": "zone", "whenUnsatisfiable": "ScheduleAnyway",
               "labelSelector": {"matchLabels": {"app": "w"}}}]
    c = Cluster(*zones(), pods=tuple(pod(f"w{i}", labels={"app": "w"}, node_name=n)
                                     for i, n in enumerate(("a1", "a2"))))
    assert c.schedule(pod("w9", labels={"app": "w"}, topologySpreadConstraints=spread)) == "b1"


# Preemption and sampling -----------------------------------------------------------------


def test_preemption_picks_the_least_important_victims() -> None:
    c = Cluster(node("a", cpu="1"), node("b", cpu="1"),
                pods=(pod("important", cpu="1", priority=1000, node_name="a"),
                      pod("low1", cpu="500m", priority=10, node_name="b"),
                      pod("low2", cpu="500m", priority=5, node_name="b")))
    preemptor = PodInfo(pod("urgent", cpu="500m", priority=500))
    state = CycleState()
    with pytest.raises(FitError):
        c.framework.schedule(state, preemptor)
    plugin = next(p for p in c.framework.plugins if isinstance(p, DefaultPreemption))
    assert plugin._victims(state, preemptor, c.cache.nodes["a"], state["filters"]) is None
    victims = plugin._victims(state, preemptor, c.cache.nodes["b"], state["filters"])
    assert [v.name for v in victims or []] == ["low2"]


def test_a_share_of_large_clusters_is_searched() -> None:
    assert nodes_to_find(50) == 50
    assert nodes_to_find(100) == 100
    assert nodes_to_find(1000) == 420
    assert nodes_to_find(5000) == 500
    assert nodes_to_find(100_000) == 5000
    c = Cluster(*(node(f"n{i}") for i in range(300)))
    seen = {c.schedule(pod(f"p{i}")) for i in range(10)}
    assert len(seen) > 1


async def test_pods_that_never_preempt_say_so() -> None:
    c = Cluster(node("a", cpu="1"), pods=(pod("low", cpu="1", node_name="a"),))
    never = PodInfo(pod("polite", cpu="1", priority=100, preemptionPolicy="Never"))
    state = CycleState()
    with pytest.raises(FitError) as e:
        c.framework.schedule(state, never)
    node_name, status = await c.framework.post_filter(state, never, e.value)
    assert node_name == "" and status is not None
    e.value.post_filter_message = status.message
    assert str(e.value) == ("0/1 nodes are available: 1 Insufficient cpu. preemption: not "
                            "eligible due to preemptionPolicy=Never.")


def test_affinity_terms_reach_other_namespaces_by_selector() -> None:
    term = {"labelSelector": {"matchLabels": {"app": "db"}}, "topologyKey": "zone"}
    c = Cluster(*zones(), pods=(pod("db", labels={"app": "db"}, node_name="b1",
                                    namespace="data"),))
    c.cache.set_namespace({"metadata": {"name": "data", "labels": {"team": "storage"}}})
    own_namespace = {"podAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [term]}}
    assert "didn't match pod affinity rules" in c.failure(pod("web", affinity=own_namespace))
    by_label = {"podAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [{
        **term, "namespaceSelector": {"matchLabels": {"team": "storage"}}}]}}
    assert c.schedule(pod("web", affinity=by_label)) == "b1"
    named = {"podAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [{
        **term, "namespaces": ["data"]}]}}
    assert c.schedule(pod("web", affinity=named)) == "b1"
