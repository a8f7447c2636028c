"""A container's environment: env, envFrom and valueFrom, with `$(VAR)` expansion.

Order and precedence are Kubernetes': envFrom sources first (in order, with
their prefix; keys that are not valid variable names are skipped), then
`env` entries, later ones overriding earlier ones. Each `env` value may
refer to variables defined before it as `$(NAME)`; `$$(NAME)` is a literal
`$(NAME)`, and a reference to an unknown variable stays as written. The
same expansion applies to `command` and `args`.

ConfigMaps and Secrets are read from the API when the container is created.
A missing object or key that is not `optional` raises `ConfigError`, which
the pod worker reports as `CreateContainerConfigError` with its message.
"""

from __future__ import annotations

import base64
import re
from typing import Any

from pyk8s.client import APIClient
from pyk8s.client.rest import is_not_found
from pyk8s.kubelet.downward import field_value, resource_value

Obj = dict[str, Any]
_REF = re.compile(r"\$\$|\$\(([A-Za-z_][A-Za-z0-9_.\-]*)\)")
_ENV_NAME = re.compile(r"^[-._a-zA-Z][-._a-zA-Z0-9]*$")


class ConfigError(Exception):
    """The container cannot be configured (CreateContainerConfigError)."""


def expand(text: str, env: dict[str, str]) -> str:
    def sub(m: re.Match[str]) -> str:
        if m.group(0) == "$$":
            return "$"
        name = m.group(1)
        return env[name] if name in env else m.group(0)

    return _REF.sub(sub, text)


class ObjectSource:
    """ConfigMaps and Secrets of one namespace, each read once per container start."""

    def __init__(self, client: APIClient, namespace: str) -> None:
        self.client = client
        self.namespace = namespace
        self._cache: dict[tuple[str, str], Obj | None] = {}

    async def get(self, plural: str, name: str) -> Obj | None:
        key = (plural, name)
        if key not in self._cache:
            try:
                self._cache[key] = await self.client.get("v1", plural, name, self.namespace)
            except Exception as e:
                if not is_not_found(e):
                    raise
                self._cache[key] = None
        return self._cache[key]

    async def data(self, plural: str, name: str) -> dict[str, str] | None:
        obj = await self.get(plural, name)
        if obj is None:
            return None
        if plural == "secrets":
            return {k: base64.b64decode(v).decode(errors="replace")
                    for k, v in (obj.get("data") or {}).items()}
        return dict(obj.get("data") or {})


async def _key_ref(source: ObjectSource, plural: str, ref: Obj) -> str | None:
    kind = "configmap" if plural == "configmaps" else "secret"
    data = await source.data(plural, ref.get("name", ""))
    if data is None:
        if ref.get("optional"):
            return None
        raise ConfigError(f'{kind} "{ref.get("name", "")}" not found')
    if ref["key"] not in data:
        if ref.get("optional"):
            return None
        what = "ConfigMap" if kind == "configmap" else "Secret"
        raise ConfigError(f"couldn't find key {ref['key']} in {what} "
                          f"{source.namespace}/{ref.get('name', '')}")
    return data[ref["key"]]


async def environment(pod: Obj, container: Obj, source: ObjectSource, *,
                      pod_ip: str, host_ip: str) -> dict[str, str]:
    env: dict[str, str] = {}
    for item in container.get("envFrom") or []:
        prefix = item.get("prefix", "")
        for field, plural in (("configMapRef", "configmaps"), ("secretRef", "secrets")):
            ref = item.get(field)
            if ref is None:
                continue
            data = await source.data(plural, ref.get("name", ""))
            if data is None:
                if ref.get("optional"):
                    continue
                kind = "configmap" if plural == "configmaps" else "secret"
                raise ConfigError(f'{kind} "{ref.get("name", "")}" not found')
            for k, v in data.items():
                if _ENV_NAME.match(prefix + k):
                    env[prefix + k] = v
    for var in container.get("env") or []:
        name = var["name"]
        if "valueFrom" not in var:
            env[name] = expand(var.get("value", ""), env)
            continue
        vf = var["valueFrom"]
        value: str | None
        if "configMapKeyRef" in vf:
            value = await _key_ref(source, "configmaps", vf["configMapKeyRef"])
        elif "secretKeyRef" in vf:
            value = await _key_ref(source, "secrets", vf["secretKeyRef"])
        elif "fieldRef" in vf:
            value = field_value(pod, vf["fieldRef"]["fieldPath"], pod_ip=pod_ip,
                                host_ip=host_ip)
        elif "resourceFieldRef" in vf:
            ref = vf["resourceFieldRef"]
            target = container
            if ref.get("containerName"):
                target = next((c for c in pod["spec"]["containers"]
                               if c["name"] == ref["containerName"]), container)
            value = resource_value(target, ref)
        else:
            value = ""
        if value is not None:
            env[name] = value
    return env
