"""configMap, secret, downwardAPI and projected volumes, written atomically.

The payload (file name -> bytes, mode) is computed from the source objects,
then written as Kubernetes' atomic writer does: into a fresh timestamped
directory `..<time>`, then the `..data` symlink is swapped to it with one
rename, and each top-level name is a symlink through `..data`. A container
reading the volume sees either the old or the new set of files, never a mix.
Nothing is rewritten when the payload is unchanged.

`items` select and rename keys; `defaultMode` / per-item `mode` set the file
modes; an `optional` source that is missing gives an empty volume, a missing
required one raises `ConfigError` (the pod waits in ContainerCreating).
"""

from __future__ import annotations

import base64
import os
import shutil
import time
from pathlib import Path
from typing import Any

from pyk8s.kubelet.downward import field_value, resource_value
from pyk8s.kubelet.envvars import ConfigError, ObjectSource

Obj = dict[str, Any]
Payload = dict[str, tuple[bytes, int]]
Tokens = dict[str, tuple[bytes, float]]  # audience/expiry -> (token, renew after)


def _select(data: dict[str, bytes], items: list[Obj] | None, mode: int, what: str) -> Payload:
    if not items:
        return {k: (v, mode) for k, v in data.items()}
    out: Payload = {}
    for item in items:
        if item["key"] not in data:
            raise ConfigError(f"configmap references non-existent config key: {item['key']}"
                              if what == "configmap" else
                              f"references non-existent secret key: {item['key']}")
        out[item["path"]] = (data[item["key"]], item.get("mode", mode))
    return out


async def _object_payload(source: ObjectSource, spec: Obj, plural: str, mode: int
                          ) -> Payload:
    name = spec.get("name") or spec.get("secretName") or ""
    obj = await source.get(plural, name)
    what = "configmap" if plural == "configmaps" else "secret"
    if obj is None:
        if spec.get("optional"):
            return {}
        raise ConfigError(f'{what} "{name}" not found')
    data: dict[str, bytes]
    if plural == "secrets":
        data = {k: base64.b64decode(v) for k, v in (obj.get("data") or {}).items()}
    else:
        data = {k: v.encode() for k, v in (obj.get("data") or {}).items()}
        data.update({k: base64.b64decode(v) for k, v in (obj.get("binaryData") or {}).items()})
    return _select(data, spec.get("items"), mode, what)


def _downward_payload(pod: Obj, spec: Obj, mode: int, *, pod_ip: str, host_ip: str
                      ) -> Payload:
    out: Payload = {}
    for item in spec.get("items") or []:
        if "fieldRef" in item:
            text = field_value(pod, item["fieldRef"]["fieldPath"], pod_ip=pod_ip,
                               host_ip=host_ip)
        else:
            ref = item["resourceFieldRef"]
            container = next((c for c in pod["spec"]["containers"]
                              if c["name"] == ref.get("containerName")),
                             pod["spec"]["containers"][0])
            text = resource_value(container, ref)
        out[item["path"]] = (text.encode(), item.get("mode", mode))
    return out


async def payload(pod: Obj, volume: Obj, source: ObjectSource, *, pod_ip: str,
                  host_ip: str, tokens: Tokens) -> Payload:
    if "configMap" in volume:
        spec = volume["configMap"]
        return await _object_payload(source, spec, "configmaps", spec.get("defaultMode", 0o644))
    if "secret" in volume:
        spec = volume["secret"]
        return await _object_payload(source, spec, "secrets", spec.get("defaultMode", 0o644))
    if "downwardAPI" in volume:
        spec = volume["downwardAPI"]
        return _downward_payload(pod, spec, spec.get("defaultMode", 0o644), pod_ip=pod_ip,
                                 host_ip=host_ip)
    spec = volume["projected"]
    mode = spec.get("defaultMode", 0o644)
    out: Payload = {}
    for src in spec.get("sources") or []:
        if "configMap" in src:
            out.update(await _object_payload(source, src["configMap"], "configmaps", mode))
        elif "secret" in src:
            out.update(await _object_payload(source, src["secret"], "secrets", mode))
        elif "downwardAPI" in src:
            out.update(_downward_payload(pod, src["downwardAPI"], mode, pod_ip=pod_ip,
                                         host_ip=host_ip))
        elif "serviceAccountToken" in src:
            out[src["serviceAccountToken"].get("path", "token")] = (
                await _token(source, pod, src["serviceAccountToken"], tokens), mode)
    return out


async def _token(source: ObjectSource, pod: Obj, spec: Obj, tokens: Tokens) -> bytes:
    """A bound service-account token from TokenRequest, requested again once 80% of
    its lifetime has passed (as the kubelet's token manager does)."""
    sa = pod["spec"].get("serviceAccountName") or "default"
    expiration = int(spec.get("expirationSeconds", 3600))
    key = f"{sa}/{spec.get('audience', '')}/{expiration}"
    cached = tokens.get(key)
    if cached is not None and time.time() < cached[1]:
        return cached[0]
    request: Obj = {"apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest",
                    "metadata": {"name": sa},
                    "spec": {"expirationSeconds": expiration,
                             "audiences": [spec["audience"]] if spec.get("audience") else [],
                             "boundObjectRef": {"kind": "Pod", "apiVersion": "v1",
                                                "name": pod["metadata"]["name"],
                                                "uid": pod["metadata"]["uid"]}}}
    try:
        reply = await source.client.request(
            "POST", f"/api/v1/namespaces/{source.namespace}/serviceaccounts/{sa}/token",
            body=request)
        token = str(reply["status"]["token"]).encode()
    except Exception as e:
        raise ConfigError(f"failed to fetch token for service account {sa}: {e}") from e
    tokens[key] = (token, time.time() + 0.8 * expiration)
    return token


def _current(path: Path) -> Payload | None:
    data = path / "..data"
    if not data.is_symlink():
        return None
    out: Payload = {}
    for root, _, files in os.walk(data, followlinks=True):
        for f in files:
            p = Path(root, f)
            out[str(p.relative_to(data))] = (p.read_bytes(), p.stat().st_mode & 0o7777)
    return out


async def write(path: Path, pod: Obj, volume: Obj, source: ObjectSource, *, pod_ip: str,
                host_ip: str, tokens: Tokens) -> bool:
    """Bring the volume at `path` up to date; True if it changed. `tokens` caches
    the pod's service-account tokens between calls."""
    files = await payload(pod, volume, source, pod_ip=pod_ip, host_ip=host_ip, tokens=tokens)
    path.mkdir(parents=True, exist_ok=True)
    if _current(path) == files:
        return False
    stamp = path / time.strftime("..%Y_%m_%d_%H_%M_%S.", time.gmtime())
    stamp = stamp.with_name(stamp.name + str(time.monotonic_ns()))
    stamp.mkdir()
    for rel, (content, mode) in files.items():
        target = stamp / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
        target.chmod(mode)
    old = os.readlink(path / "..data") if (path / "..data").is_symlink() else None
    tmp = path / "..data_tmp"
    if tmp.is_symlink():
        tmp.unlink()
    tmp.symlink_to(stamp.name)
    tmp.rename(path / "..data")
    tops = {rel.split("/")[0] for rel in files}
    for top in tops:
        link = path / top
        if not link.is_symlink():
            link.symlink_to(f"..data/{top}")
    for entry in path.iterdir():
        if not entry.name.startswith("..") and entry.name not in tops:
            entry.unlink()
    if old:
        shutil.rmtree(path / old, ignore_errors=True)
    return True
