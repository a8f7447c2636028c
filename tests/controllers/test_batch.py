"""Jobs and CronJobs on simulated nodes: pods that finish, counted, retried, scheduled."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from tests.controllers.conftest import eventually
from tests.support import Server, manifest

EXIT_AFTER = "pyk8s.io/simulate-exit-after"
EXIT_CODE = "pyk8s.io/simulate-exit-code"


@pytest.fixture
def sim_ns(sim_cluster: Server) -> Iterator[str]:
    name = f"t-{uuid.uuid4().hex[:8]}"
    sim_cluster.kubectl("create", "namespace", name)
    yield name
    sim_cluster.kubectl("delete", "namespace", name, "--wait=false", check=False)


def job_template(exit_code: int = 0, after: str = "1s", **spec: Any) -> dict[str, Any]:
    return {"spec": {"backoffLimit": 0, **spec, "template": {
        "metadata": {"annotations": {EXIT_AFTER: after, EXIT_CODE: str(exit_code)}},
        "spec": {"restartPolicy": "Never",
                 "containers": [{"name": "c", "image": "busybox"}]}}}}


def job(name: str, **kw: Any) -> dict[str, Any]:
    return {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": name},
            **job_template(**kw)}


def get(cluster: Server, ns: str, *what: str) -> Any:
    return json.loads(cluster.kubectl("-n", ns, "get", *what, "-o", "json").stdout)


def test_job_runs_to_completion(sim_cluster: Server, sim_ns: str) -> None:
    sim_cluster.kubectl("-n", sim_ns, "create", "-f", "-",
                        input=manifest(job("count", completions=3, parallelism=2)))
    sim_cluster.kubectl("-n", sim_ns, "wait", "--for=condition=complete", "job/count",
                        "--timeout=60s", timeout=90)
    status = get(sim_cluster, sim_ns, "job", "count")["status"]
    assert status["succeeded"] == 3 and status.get("active", 0) == 0
    assert status["startTime"] and status["completionTime"]
    pods = get(sim_cluster, sim_ns, "pods", "-l", "batch.kubernetes.io/job-name=count")
    assert [p["status"]["phase"] for p in pods["items"]] == ["Succeeded"] * 3
    assert "3/3" in sim_cluster.kubectl("-n", sim_ns, "get", "job", "count").stdout


def test_indexed_job_gives_each_pod_an_index(sim_cluster: Server, sim_ns: str) -> None:
    sim_cluster.kubectl("-n", sim_ns, "create", "-f", "-", input=manifest(
        job("indexed", completions=3, parallelism=3, completionMode="Indexed")))
    sim_cluster.kubectl("-n", sim_ns, "wait", "--for=condition=complete", "job/indexed",
                        "--timeout=60s", timeout=90)
    assert get(sim_cluster, sim_ns, "job", "indexed")["status"]["completedIndexes"] == "0-2"
    pods = get(sim_cluster, sim_ns, "pods")["items"]
    indexes = sorted(p["metadata"]["annotations"]["batch.kubernetes.io/job-completion-index"]
                     for p in pods)
    assert indexes == ["0", "1", "2"]


def test_failing_job_reaches_its_backoff_limit(sim_cluster: Server, sim_ns: str) -> None:
    sim_cluster.kubectl("-n", sim_ns, "create", "-f", "-",
                        input=manifest(job("fails", exit_code=3)))
    sim_cluster.kubectl("-n", sim_ns, "wait", "--for=condition=failed", "job/fails",
                        "--timeout=60s", timeout=90)
    status = get(sim_cluster, sim_ns, "job", "fails")["status"]
    failed = next(c for c in status["conditions"] if c["type"] == "Failed")
    assert failed["reason"] == "BackoffLimitExceeded"
    assert status["failed"] == 1


def test_cronjob_starts_jobs_and_keeps_history(sim_cluster: Server, sim_ns: str) -> None:
    sim_cluster.kubectl("-n", sim_ns, "create", "-f", "-", input=manifest({
        "apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "tick"},
        "spec": {"schedule": "@every 2s", "successfulJobsHistoryLimit": 1,
                 "jobTemplate": job_template(after="0s")}}))

    def succeeded_jobs() -> list[str]:
        items = get(sim_cluster, sim_ns, "jobs")["items"]
        return [j["metadata"]["name"] for j in items
                if any(c["type"] == "Complete" for c in j["status"].get("conditions") or [])]

    eventually(lambda: succeeded_jobs(), timeout=60, what="a job run by the cron job")
    cj = get(sim_cluster, sim_ns, "cronjob", "tick")
    assert cj["status"]["lastScheduleTime"]
    eventually(lambda: cj_last_success(sim_cluster, sim_ns), timeout=30,
               what="lastSuccessfulTime")
    sim_cluster.kubectl("-n", sim_ns, "patch", "cronjob", "tick", "--type=merge",
                        "-p", '{"spec":{"suspend":true}}')
    eventually(lambda: len(succeeded_jobs()) <= 1, timeout=30, what="history limit kept")


def cj_last_success(cluster: Server, ns: str) -> str:
    return str(get(cluster, ns, "cronjob", "tick")["status"].get("lastSuccessfulTime") or "")


def test_finished_job_is_deleted_after_its_ttl(sim_cluster: Server, sim_ns: str) -> None:
    sim_cluster.kubectl("-n", sim_ns, "create", "-f", "-",
                        input=manifest(job("brief", after="0s", ttlSecondsAfterFinished=1)))
    eventually(lambda: sim_cluster.kubectl("-n", sim_ns, "get", "job", "brief",
                                           check=False).returncode != 0,
               timeout=60, what="job deleted after its TTL")
    eventually(lambda: not get(sim_cluster, sim_ns, "pods")["items"], what="its pod collected")
