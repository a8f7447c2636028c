"""The Kubernetes version pyk8s speaks, as `/version` and node info report it."""

from __future__ import annotations

import platform

KUBERNETES_VERSION = "v1.32.0"
GIT_VERSION = f"{KUBERNETES_VERSION}+pyk8s"


def version_info() -> dict[str, str]:
    return {
        "major": "1",
        "minor": "32",
        "gitVersion": GIT_VERSION,
        "gitCommit": "0000000000000000000000000000000000000000",
        "gitTreeState": "clean",
        "buildDate": "2026-11-23T00:00:00Z",
        "goVersion": f"python{platform.python_version()}",
        "compiler": "cpython",
        "platform": f"linux/{'amd64' if platform.machine() == 'x86_64' else platform.machine()}",
    }
