"""Resource metrics of real containers: the kubelet's /stats/summary through `kubectl top`.

The scraper needs two scrapes of a container (15 s apart by default) to
give its CPU rate, so these checks poll for up to a minute. One pod burns
CPU in a shell loop, one sleeps: the first must show more CPU than the second.
"""

from __future__ import annotations

from tests.e2e.conftest import Cluster, pod_manifest, wait_for


def _top_pods(cluster: Cluster, ns: str) -> dict[str, tuple[int, str]]:
    out = cluster.kubectl("top", "pods", "-n", ns, "--no-headers", check=False)
    if out.returncode != 0:
        return {}
    rows = [line.split() for line in out.stdout.splitlines() if line.strip()]
    return {r[0]: (int(r[1].removesuffix("m")), r[2]) for r in rows}


def test_kubectl_top_shows_real_containers(cluster: Cluster, ns: str) -> None:
    node = cluster.agent.node_name
    cluster.apply(ns, pod_manifest("busy", node, "while :; do :; done"))
    cluster.apply(ns, pod_manifest("idle", node, "sleep 3600"))
    cluster.wait_running(ns, "busy")
    cluster.wait_running(ns, "idle")

    usage = wait_for("metrics of both pods", lambda: (u := _top_pods(cluster, ns)) and
                     {"busy", "idle"} <= set(u) and u, timeout=90)
    assert usage["busy"][0] > usage["idle"][0], usage
    assert usage["busy"][1].endswith("Mi") and usage["idle"][1].endswith("Mi"), usage
    cluster.kubectl("delete", "pod", "busy", "-n", ns, "--grace-period=1", "--wait=false")

    nodes = cluster.kubectl("top", "nodes", "--no-headers").stdout
    assert nodes.split()[0] == node, nodes
