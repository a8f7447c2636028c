"""Synthetic usage for pods on simulated nodes, read from the pods' annotations.

Simulated nodes (`pyk8s.agent.simulated`) run no containers, so there is
nothing to measure; a test says what a pod uses instead:

    metadata.annotations:
      pyk8s.io/simulate-cpu: 300m      # each container uses 0.3 cores
      pyk8s.io/simulate-memory: 64Mi   # and 64Mi of working set

Each container of a Running pod reports those figures (0 when absent); the
node reports the sum over its pods. Changing the annotation changes the
usage from the next scrape on.
"""

from __future__ import annotations

from typing import Any

from pyk8s.metrics import quantity

Obj = dict[str, Any]
CPU = "pyk8s.io/simulate-cpu"
MEMORY = "pyk8s.io/simulate-memory"
RUNTIME_PREFIX = "simulated://"


def is_simulated(node: Obj) -> bool:
    runtime = ((node.get("status") or {}).get("nodeInfo") or {}).get(
        "containerRuntimeVersion", "")
    return isinstance(runtime, str) and runtime.startswith(RUNTIME_PREFIX)


def container_usage(pod: Obj) -> dict[str, tuple[int, int]]:
    """container name -> (nanocores, bytes) of a Running pod; {} for any other."""
    if (pod.get("status") or {}).get("phase") != "Running":
        return {}
    annotations = pod["metadata"].get("annotations") or {}
    usage = (quantity.nanocores(annotations.get(CPU)), quantity.bytes_of(annotations.get(MEMORY)))
    return {c["name"]: usage for c in (pod.get("spec") or {}).get("containers") or []}
