"""Pod volumes, under `<data-dir>/agent/pods/<uid>/volumes/<plugin>/<name>`.

`PodVolumes.setup()` makes every volume of a pod before its sandbox starts
and returns the host path of each; containers get them as CRI mounts
(`mounts()`, with subPath and readOnly). Each volume type is a plugin module:

- `emptydir`: a directory, or a tmpfs for `medium: Memory` (sizeLimit is the
  tmpfs size);
- `hostpath`: the host's path, checked against `type`;
- `projection`: configMap, secret, downwardAPI and projected volumes, written
  by an atomic writer; secrets (and projected volumes, which may hold
  secrets or tokens) always on tmpfs.

`refresh()` rewrites the projected contents when their source objects
change, so updates reach running containers; `teardown()` unmounts and
removes everything of the pod.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

from pyk8s.kubelet.cri import pb
from pyk8s.kubelet.envvars import ConfigError, ObjectSource
from pyk8s.kubelet.volumes import emptydir, hostpath, projection

Obj = dict[str, Any]
PROJECTED = ("configMap", "secret", "downwardAPI", "projected")


def mount_tmpfs(path: Path, size: str | None = None) -> None:
    path.mkdir(parents=True, exist_ok=True)
    if os.path.ismount(path):
        return
    options = "mode=0755" + (f",size={size}" if size else "")
    subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(path)], check=True,
                   capture_output=True)


def unmount_all(root: Path) -> None:
    """Unmount every mount point at or under `root`, deepest first."""
    prefix = str(root.resolve())
    points = []
    with open("/proc/self/mounts") as f:
        for line in f:
            point = line.split()[1].replace("\\040", " ")
            if point == prefix or point.startswith(prefix + "/"):
                points.append(point)
    for point in sorted(points, key=len, reverse=True):
        subprocess.run(["umount", "-l", point], capture_output=True)


class PodVolumes:
    def __init__(self, pods_dir: Path, pod: Obj) -> None:
        self.pod = pod
        self.dir = pods_dir / pod["metadata"]["uid"]
        self.paths: dict[str, Path] = {}
        self.tokens: projection.Tokens = {}

    def _path(self, volume: Obj) -> Path:
        kind = next((k for k in volume if k != "name"), "emptyDir")
        return self.dir / "volumes" / kind / volume["name"]

    async def setup(self, source: ObjectSource, *, pod_ip: str, host_ip: str) -> None:
        for volume in self.pod["spec"].get("volumes") or []:
            path = self._path(volume)
            if "hostPath" in volume:
                self.paths[volume["name"]] = hostpath.setup(volume["hostPath"])
            elif "emptyDir" in volume:
                emptydir.setup(path, volume["emptyDir"] or {}, mount_tmpfs)
                self.paths[volume["name"]] = path
            elif any(k in volume for k in PROJECTED):
                if not os.path.ismount(path) and ("secret" in volume or "projected" in volume):
                    mount_tmpfs(path)
                await projection.write(path, self.pod, volume, source, pod_ip=pod_ip,
                                       host_ip=host_ip, tokens=self.tokens)
                self.paths[volume["name"]] = path
            elif "persistentVolumeClaim" in volume:
                self.paths[volume["name"]] = await _claim_path(
                    source, volume["persistentVolumeClaim"]["claimName"])
            else:
                path.mkdir(parents=True, exist_ok=True)
                self.paths[volume["name"]] = path

    async def refresh(self, source: ObjectSource, *, pod_ip: str, host_ip: str) -> None:
        for volume in self.pod["spec"].get("volumes") or []:
            if any(k in volume for k in PROJECTED) and volume["name"] in self.paths:
                with contextlib.suppress(ConfigError):  # keep what is there, as Kubernetes does
                    await projection.write(self.paths[volume["name"]], self.pod, volume,
                                           source, pod_ip=pod_ip, host_ip=host_ip,
                                           tokens=self.tokens)

    def mounts(self, container: Obj) -> list[Any]:
        result = []
        for m in container.get("volumeMounts") or []:
            host = self.paths.get(m["name"])
            if host is None:
                raise ConfigError(f'unable to find volume "{m["name"]}" for the mount')
            if m.get("subPath"):
                host = host / m["subPath"]
                if not host.exists():
                    host.mkdir(parents=True)
            result.append(pb.Mount(container_path=m["mountPath"], host_path=str(host),
                                   readonly=bool(m.get("readOnly"))))
        return result

    def teardown(self) -> None:
        if self.dir.exists():
            unmount_all(self.dir)
            shutil.rmtree(self.dir, ignore_errors=True)


async def _claim_path(source: ObjectSource, claim: str) -> Path:
    pvc = await source.get("persistentvolumeclaims", claim)
    if pvc is None:
        raise ConfigError(f'persistentvolumeclaim "{claim}" not found')
    pv_name = (pvc.get("spec") or {}).get("volumeName")
    if not pv_name:
        raise ConfigError(f'persistentvolumeclaim "{claim}" is not bound')
    pv = await source.client.get("v1", "persistentvolumes", pv_name)
    spec = pv.get("spec") or {}
    local = spec.get("hostPath") or spec.get("local") or {}
    if not local.get("path"):
        raise ConfigError(f'persistentvolume "{pv_name}" has no hostPath or local path')
    path = Path(local["path"])
    path.mkdir(parents=True, exist_ok=True)
    return path
