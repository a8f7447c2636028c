"""Pod specs, written once for Pods and every kind that carries a pod template.

Pods, PodTemplates, ReplicationControllers, Deployments, ReplicaSets,
DaemonSets, StatefulSets, Jobs and CronJobs all embed a `PodSpec`, and
Kubernetes defaults and validates it identically wherever it appears
(`SetDefaults_PodSpec`, `ValidatePodSpec`). This module is that shared part:

* `default_pod_spec` / `default_pod_template` fill what the API server fills
  (restartPolicy Always, dnsPolicy ClusterFirst, terminationMessagePath,
  imagePullPolicy from the image tag, probe timings, volume modes ...);
* `validate_pod_spec` / `validate_pod_template` return per-field causes with
  the paths and wording kube-apiserver uses (`spec.template.spec.containers[0]
  .image: Required value`);
* `validate_pod_spec_update` is the Pod-only rule that a running pod's spec
  is immutable except images, activeDeadlineSeconds, added tolerations and
  terminationGracePeriodSeconds.

What differs per kind (a Job's restartPolicy, a ReplicaSet's selector) lives
with the kind.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable
from typing import Any

from pyk8s.api import validation as v
from pyk8s.api.errors import Cause
from pyk8s.api.resource import Obj
from pyk8s.api.resources._common import (
    dicts,
    each_name,
    ensure,
    is_int,
    mapping,
    not_found,
    one_of,
    set_default,
    text,
)
from pyk8s.api.resources._quantity import parse_quantity, resource_list_causes

CONTAINER_LISTS = ("containers", "initContainers", "ephemeralContainers")
PROBES = ("livenessProbe", "readinessProbe", "startupProbe")
PROTOCOLS = ["SCTP", "TCP", "UDP"]
RESTART_POLICIES = ["Always", "OnFailure", "Never"]
DNS_POLICIES = ["ClusterFirst", "ClusterFirstWithHostNet", "Default", "None"]
PULL_POLICIES = ["Always", "IfNotPresent", "Never"]
TOLERATION_OPERATORS = ["Equal", "Exists"]
TAINT_EFFECTS = ["NoExecute", "NoSchedule", "PreferNoSchedule"]
# Volume sources whose files get mode 0644 unless told otherwise.
MODE_SOURCES = ("secret", "configMap", "downwardAPI", "projected")
DEFAULT_MODE = 0o644
MAX_INT32 = 2**31 - 1

_env_name = re.compile(r"^[-._a-zA-Z][-._a-zA-Z0-9]*$")
ENV_NAME_ERROR = (
    "a valid environment variable name must consist of alphabetic characters, digits, '_', "
    "'-', or '.', and must not start with a digit (e.g. 'my.env-name',  or 'MY_ENV.NAME',  "
    "or 'MyEnvName1', regex used for validation is '[-._a-zA-Z][-._a-zA-Z0-9]*')"
)
ENV_SOURCES = ("fieldRef", "resourceFieldRef", "configMapKeyRef", "secretKeyRef")
POD_UPDATE_FORBIDDEN = (
    "pod updates may not change fields other than `spec.containers[*].image`,"
    "`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only "
    "additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be "
    "set to 1 if it was previously negative)"
)


# Defaulting -------------------------------------------------------------------


def default_pod_template(template: Any) -> None:
    if isinstance(template, dict) and (spec := ensure(template, "spec")) is not None:
        default_pod_spec(spec)


def default_pod_spec(spec: Obj) -> None:
    set_default(spec, "restartPolicy", "Always")
    set_default(spec, "dnsPolicy", "ClusterFirst")
    set_default(spec, "terminationGracePeriodSeconds", 30)
    set_default(spec, "schedulerName", "default-scheduler")
    ensure(spec, "securityContext")
    for kind in CONTAINER_LISTS:
        for container in dicts(spec, kind):
            default_container(container, host_network=spec.get("hostNetwork") is True)
    for volume in dicts(spec, "volumes"):
        default_volume(volume)


def pull_policy(image: str) -> str:
    """`Always` for `:latest` or untagged images (without digest), else `IfNotPresent`."""
    name, _, digest = image.partition("@")
    last = name.rsplit("/", 1)[-1]
    tag = last.rpartition(":")[2] if ":" in last else ""
    if not tag and not digest:
        tag = "latest"
    return "Always" if tag == "latest" else "IfNotPresent"


def default_container(container: Obj, *, host_network: bool = False) -> None:
    set_default(container, "terminationMessagePath", "/dev/termination-log")
    set_default(container, "terminationMessagePolicy", "File")
    set_default(container, "imagePullPolicy", pull_policy(text(container, "image")))
    ensure(container, "resources")
    for port in dicts(container, "ports"):
        set_default(port, "protocol", "TCP")
        if host_network and not port.get("hostPort"):
            port["hostPort"] = port.get("containerPort")
    for env in dicts(container, "env"):
        field_ref = mapping(env, "valueFrom", "fieldRef")
        if field_ref:
            set_default(field_ref, "apiVersion", "v1")
    for probe_name in PROBES:
        probe = container.get(probe_name)
        if isinstance(probe, dict):
            default_probe(probe)
    for hook in ("postStart", "preStop"):
        default_http_get(mapping(container, "lifecycle", hook, "httpGet"))


def default_probe(probe: Obj) -> None:
    set_default(probe, "timeoutSeconds", 1)
    set_default(probe, "periodSeconds", 10)
    set_default(probe, "successThreshold", 1)
    set_default(probe, "failureThreshold", 3)
    default_http_get(mapping(probe, "httpGet"))


def default_http_get(action: Obj) -> None:
    if action:
        set_default(action, "path", "/")
        set_default(action, "scheme", "HTTP")


def default_volume(volume: Obj) -> None:
    if not any(k != "name" for k in volume):
        volume["emptyDir"] = {}
    for source in MODE_SOURCES:
        if isinstance(volume.get(source), dict):
            set_default(volume[source], "defaultMode", DEFAULT_MODE)
    if isinstance(volume.get("hostPath"), dict):
        volume["hostPath"].setdefault("type", "")


# Validation -------------------------------------------------------------------


def validate_pod_template(template: Any, path: str, *,
                          extra_volumes: Iterable[str] = ()) -> list[Cause]:
    """A PodTemplateSpec at `path` (labels, annotations and its pod spec)."""
    if not isinstance(template, dict):
        return [v.required(path)]
    out = v.labels(f"{path}.metadata.labels", mapping(template, "metadata").get("labels"))
    out += v.annotation_map(f"{path}.metadata.annotations",
                         mapping(template, "metadata").get("annotations"))
    return out + validate_pod_spec(template.get("spec"), f"{path}.spec",
                                   extra_volumes=extra_volumes)


def validate_pod_spec(spec: Any, path: str, *, extra_volumes: Iterable[str] = ()) -> list[Cause]:
    if not isinstance(spec, dict):
        return [v.required(path)]
    out, volume_names = _volumes(spec, f"{path}.volumes")
    volume_names |= set(extra_volumes)
    out += _all_containers(spec, path, volume_names)
    out += one_of(f"{path}.restartPolicy", spec.get("restartPolicy"), RESTART_POLICIES)
    out += one_of(f"{path}.dnsPolicy", spec.get("dnsPolicy"), DNS_POLICIES)
    if spec.get("dnsPolicy") == "None" and not spec.get("dnsConfig"):
        out.append(v.required(f"{path}.dnsConfig",
                              "must provide `dnsConfig` when `dnsPolicy` is None"))
    deadline = spec.get("activeDeadlineSeconds")
    if deadline is not None and not (is_int(deadline) and 1 <= deadline <= MAX_INT32):
        out.append(v.invalid(f"{path}.activeDeadlineSeconds", deadline,
                             f"must be between 1 and {MAX_INT32}, inclusive"))
    out += v.labels(f"{path}.nodeSelector", spec.get("nodeSelector"))
    out += each_name(f"{path}.serviceAccountName", spec.get("serviceAccountName"),
                     v.dns1123_subdomain_errors)
    out += each_name(f"{path}.hostname", spec.get("hostname"), v.dns1123_label_errors)
    out += each_name(f"{path}.subdomain", spec.get("subdomain"), v.dns1123_label_errors)
    for i, toleration in enumerate(dicts(spec, "tolerations")):
        out += _toleration(toleration, f"{path}.tolerations[{i}]")
    return out


def _all_containers(spec: Obj, path: str, volume_names: set[str]) -> list[Cause]:
    out: list[Cause] = []
    if not dicts(spec, "containers"):
        out.append(v.required(f"{path}.containers"))
    seen: set[str] = set()
    for kind in CONTAINER_LISTS:
        for i, container in enumerate(dicts(spec, kind)):
            out += validate_container(container, f"{path}.{kind}[{i}]", volume_names, seen)
    return out


def validate_container(c: Obj, path: str, volume_names: set[str], seen: set[str]) -> list[Cause]:
    """One container; `seen` collects names across all of the pod's containers."""
    out: list[Cause] = []
    name = c.get("name")
    if not isinstance(name, str) or not name:
        out.append(v.required(f"{path}.name"))
    else:
        out += v.check(f"{path}.name", name, v.dns1123_label_errors(name))
        if name in seen:
            out.append(v.duplicate(f"{path}.name", name))
        seen.add(name)
    if not isinstance(c.get("image"), str) or not c.get("image"):
        out.append(v.required(f"{path}.image"))
    out += one_of(f"{path}.imagePullPolicy", c.get("imagePullPolicy"), PULL_POLICIES,
                  required=False)
    out += _ports(c, path)
    out += _env(c, path)
    out += _volume_mounts(c, path, volume_names)
    out += _resources(mapping(c, "resources"), f"{path}.resources")
    return out


def _ports(c: Obj, path: str) -> list[Cause]:
    out: list[Cause] = []
    names: set[str] = set()
    for i, port in enumerate(dicts(c, "ports")):
        p = f"{path}.ports[{i}]"
        name = port.get("name")
        if isinstance(name, str) and name:
            out += v.check(f"{p}.name", name, v.port_name_errors(name))
            if name in names:
                out.append(v.duplicate(f"{p}.name", name))
            names.add(name)
        if not port.get("containerPort"):
            out.append(v.required(f"{p}.containerPort"))
        else:
            out += v.port_number(f"{p}.containerPort", port["containerPort"])
        if port.get("hostPort"):
            out += v.port_number(f"{p}.hostPort", port["hostPort"])
        out += one_of(f"{p}.protocol", port.get("protocol"), PROTOCOLS)
    return out


def env_name_errors(name: str) -> list[str]:
    errs = [] if _env_name.match(name) else [ENV_NAME_ERROR]
    if name in (".", ".."):
        errs.append(f"must not be '{name}'")
    elif name.startswith(".."):
        errs.append("must not start with '..'")
    return errs


def _env(c: Obj, path: str) -> list[Cause]:
    out: list[Cause] = []
    for i, env in enumerate(dicts(c, "env")):
        p = f"{path}.env[{i}]"
        name = env.get("name")
        if not isinstance(name, str) or not name:
            out.append(v.required(f"{p}.name"))
        else:
            out += v.check(f"{p}.name", name, env_name_errors(name))
        source = env.get("valueFrom")
        if not isinstance(source, dict):
            continue
        if env.get("value"):
            out.append(v.invalid(f"{p}.valueFrom", "",
                                 "may not be specified when `value` is not empty"))
        kinds = [k for k in ENV_SOURCES if source.get(k) is not None]
        if not kinds:
            out.append(v.invalid(f"{p}.valueFrom", "", "must specify one of: `fieldRef`, "
                                 "`resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`"))
        elif len(kinds) > 1:
            out.append(v.invalid(f"{p}.valueFrom", "",
                                 "may not have more than one field specified at a time"))
    return out


def _volume_mounts(c: Obj, path: str, volume_names: set[str]) -> list[Cause]:
    out: list[Cause] = []
    mount_paths: set[str] = set()
    for i, mount in enumerate(dicts(c, "volumeMounts")):
        p = f"{path}.volumeMounts[{i}]"
        name = mount.get("name")
        if not isinstance(name, str) or not name:
            out.append(v.required(f"{p}.name"))
        elif name not in volume_names:
            out.append(not_found(f"{p}.name", name))
        mount_path = mount.get("mountPath")
        if not isinstance(mount_path, str) or not mount_path:
            out.append(v.required(f"{p}.mountPath"))
        elif mount_path in mount_paths:
            out.append(v.invalid(f"{p}.mountPath", mount_path, "must be unique"))
        else:
            mount_paths.add(mount_path)
    return out


def _resources(resources: Obj, path: str) -> list[Cause]:
    limits, requests = mapping(resources, "limits"), mapping(resources, "requests")
    out = resource_list_causes(f"{path}.limits", limits)
    out += resource_list_causes(f"{path}.requests", requests)
    for name, request in requests.items():
        wanted, limit = parse_quantity(request), parse_quantity(limits.get(name))
        if wanted is not None and limit is not None and wanted > limit:
            out.append(v.invalid(f"{path}.requests[{name}]", str(request),
                                 f"must be less than or equal to {name} limit of "
                                 f"{limits[name]}"))
    return out


def _volumes(spec: Obj, path: str) -> tuple[list[Cause], set[str]]:
    out: list[Cause] = []
    names: set[str] = set()
    for i, volume in enumerate(dicts(spec, "volumes")):
        p = f"{path}[{i}]"
        name = volume.get("name")
        if not isinstance(name, str) or not name:
            out.append(v.required(f"{p}.name"))
        else:
            out += v.check(f"{p}.name", name, v.dns1123_label_errors(name))
            if name in names:
                out.append(v.duplicate(f"{p}.name", name))
            names.add(name)
        sources = [k for k in volume if k != "name"]
        if not sources:
            out.append(v.required(p, "must specify a volume type"))
        for extra in sources[1:]:
            out.append(v.forbidden(f"{p}.{extra}", "may not specify more than 1 volume type"))
    return out, names


def _toleration(toleration: Obj, path: str) -> list[Cause]:
    out = one_of(f"{path}.operator", toleration.get("operator"), TOLERATION_OPERATORS,
                 required=False)
    if toleration.get("operator") == "Exists" and toleration.get("value"):
        out.append(v.invalid(f"{path}.operator", toleration["value"],
                             "value must be empty when `operator` is 'Exists'"))
    out += one_of(f"{path}.effect", toleration.get("effect"), TAINT_EFFECTS, required=False)
    if toleration.get("key"):
        out += v.check(f"{path}.key", toleration["key"],
                       v.qualified_name_errors(str(toleration["key"])))
    return out


# Pod updates ------------------------------------------------------------------


def validate_pod_spec_update(new: Obj, old: Obj) -> list[Cause]:
    """A pod's spec may change only in images, deadlines, added tolerations and removed
    scheduling gates."""
    new_spec, old_spec = mapping(new, "spec"), mapping(old, "spec")
    out = _deadline_update(new_spec.get("activeDeadlineSeconds"),
                           old_spec.get("activeDeadlineSeconds"))
    munged = copy.deepcopy(new_spec)
    for kind in ("containers", "initContainers"):
        olds, news = dicts(old_spec, kind), dicts(munged, kind)
        if len(olds) == len(news):
            for container, previous in zip(news, olds, strict=True):
                if "image" in previous:
                    container["image"] = previous["image"]
    for key in ("activeDeadlineSeconds", "ephemeralContainers"):
        _copy_key(munged, old_spec, key)
    old_tolerations = dicts(old_spec, "tolerations")
    if all(t in dicts(new_spec, "tolerations") for t in old_tolerations):
        _copy_key(munged, old_spec, "tolerations")
    old_gates = dicts(old_spec, "schedulingGates")
    if all(g in old_gates for g in dicts(new_spec, "schedulingGates")):
        _copy_key(munged, old_spec, "schedulingGates")  # gates may only be removed
    grace, old_grace = new_spec.get("terminationGracePeriodSeconds"), \
        old_spec.get("terminationGracePeriodSeconds")
    if is_int(old_grace) and old_grace < 0 and grace == 1:
        _copy_key(munged, old_spec, "terminationGracePeriodSeconds")
    if munged != old_spec:
        out.append(v.forbidden("spec", POD_UPDATE_FORBIDDEN))
    return out


def _copy_key(dst: Obj, src: Obj, key: str) -> None:
    if key in src:
        dst[key] = src[key]
    else:
        dst.pop(key, None)


def _deadline_update(new: Any, old: Any) -> list[Cause]:
    path = "spec.activeDeadlineSeconds"
    if old is None:
        return []
    if new is None:
        return [v.forbidden(path, "must not update from a positive integer to nil value")]
    if is_int(new) and is_int(old) and new > old:
        return [v.invalid(path, new, "must be less than or equal to previous value")]
    return []
