"""emptyDir: a fresh directory for the pod's lifetime, or a tmpfs for medium Memory."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any


def setup(path: Path, spec: dict[str, Any],
          mount_tmpfs: Callable[[Path, str | None], None]) -> None:
    if spec.get("medium") == "Memory":
        size = spec.get("sizeLimit")
        mount_tmpfs(path, str(size).replace("i", "").lower() if size else None)
        path.chmod(0o777)
    else:
        path.mkdir(parents=True, exist_ok=True)
        path.chmod(0o777)
