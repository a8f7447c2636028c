"""hostPath: a path of the node itself, checked (or made) according to `type`."""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Any

from pyk8s.kubelet.envvars import ConfigError


def setup(spec: dict[str, Any]) -> Path:
    path = Path(spec["path"])
    kind = spec.get("type") or ""
    if kind == "DirectoryOrCreate" and not path.exists():
        path.mkdir(parents=True, mode=0o755)
    elif kind == "FileOrCreate" and not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o644)
    checks = {
        "Directory": Path.is_dir, "File": Path.is_file, "Socket": Path.is_socket,
        "CharDevice": Path.is_char_device, "BlockDevice": Path.is_block_device,
    }
    if kind in checks and not checks[kind](path):
        article = "a" if kind[0] not in "AEIOU" else "an"
        raise ConfigError(f"hostPath type check failed: {path} is not {article} "
                          f"{kind.lower() if kind != 'CharDevice' else 'character device'}")
    if kind in ("DirectoryOrCreate", "FileOrCreate"):
        mode = path.stat().st_mode
        want = stat.S_ISDIR if kind == "DirectoryOrCreate" else stat.S_ISREG
        if not want(mode):
            raise ConfigError(f"hostPath type check failed: {path} exists but is not a "
                              f"{'directory' if kind == 'DirectoryOrCreate' else 'file'}")
    return path
