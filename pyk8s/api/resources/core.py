"""The core group (`/api/v1`): pods, services, nodes, namespaces, config and storage.

One `ResourceType` per kind, each grouping the kind's printer columns, its
defaulting, validation, field selectors and scale mapping, as kube-apiserver
1.32 serves them. Pod specs (in Pods, ReplicationControllers and
PodTemplates) are defaulted and validated by `_podspec`; a pod's
READY/STATUS/RESTARTS cells come from `_podstatus`, base64 checks of Secret
and ConfigMap data from `_base64`.

Cluster-IP and node-port allocation and a new pod's
initial status and tolerations are admission plugins' work
(pyk8s/apiserver/admission), not defaulting's: nothing here needs other
objects.
"""

from __future__ import annotations

import base64
import copy
import ipaddress
import json
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from pyk8s.api import validation as v
from pyk8s.api.errors import Cause
from pyk8s.api.resource import Obj, ResourceType, ScaleSpec
from pyk8s.api.resources._base64 import base64_error, decoded_size
from pyk8s.api.resources._common import (
    age,
    bool_text,
    column,
    container_columns,
    created_at,
    dicts,
    dig,
    each_name,
    ensure,
    first_three,
    format_labels,
    go_strings,
    immutable,
    invalid_shown,
    items,
    mapping,
    number,
    one_of,
    required_text,
    set_default,
    text,
)
from pyk8s.api.resources._podspec import (
    PROTOCOLS,
    TAINT_EFFECTS,
    default_pod_spec,
    default_pod_template,
    validate_pod_spec,
    validate_pod_spec_update,
    validate_pod_template,
)
from pyk8s.api.resources._podstatus import (
    pod_ip,
    pod_readiness_gates,
    pod_ready,
    pod_restarts,
    pod_status,
)
from pyk8s.api.resources._quantity import parse_quantity, resource_list_causes
from pyk8s.api.resources._workloads import always_restart, template_mismatch
from pyk8s.api.selectors import selector_from_map
from pyk8s.api.tables import AGE, NAME

ALL = ("all",)
MAX_CONFIG_SIZE = 1024 * 1024  # ConfigMaps and Secrets: 1 MiB of data
ACCESS_MODES = {"ReadWriteOnce": "RWO", "ReadOnlyMany": "ROX", "ReadWriteMany": "RWX",
                "ReadWriteOncePod": "RWOP"}
STORAGE_CLASS_ANNOTATION = "volume.beta.kubernetes.io/storage-class"


def _status_phase(obj: Obj) -> str:
    return text(obj, "status", "phase")


# Namespaces -------------------------------------------------------------------


def default_namespace(obj: Obj) -> None:
    name = text(obj, "metadata", "name")
    metadata = ensure(obj, "metadata")
    labels = ensure(metadata, "labels") if metadata is not None and name else None
    if labels is not None:
        labels["kubernetes.io/metadata.name"] = name
    spec = ensure(obj, "spec")
    if spec is not None and spec.get("finalizers") is None:
        spec["finalizers"] = ["kubernetes"]
    status = ensure(obj, "status")
    if status is not None:
        set_default(status, "phase", "Active")


NAMESPACE = ResourceType(
    group="", version="v1", kind="Namespace", plural="namespaces", namespaced=False,
    short_names=("ns",), subresources=("finalize", "status"), tracks_generation=False,
    columns=(column("Status", _status_phase, description="The status of the namespace"), AGE),
    default=default_namespace,
    field_selectors={"status.phase": _status_phase},
)


# Pods -------------------------------------------------------------------------


def default_pod(obj: Obj) -> None:
    spec = ensure(obj, "spec")
    if spec is None:
        return
    default_pod_spec(spec)
    set_default(spec, "enableServiceLinks", True)
    set_default(spec, "serviceAccountName", "default")
    set_default(spec, "serviceAccount", spec["serviceAccountName"])
    if spec.get("priority") is None and not spec.get("priorityClassName"):
        spec["priority"] = 0
    for kind in ("containers", "initContainers"):
        for container in dicts(spec, kind):
            _requests_from_limits(container)


def _requests_from_limits(container: Obj) -> None:
    """A pod's container that states only limits requests exactly its limits."""
    resources = mapping(container, "resources")
    limits = resources.get("limits")
    if isinstance(limits, dict) and limits:
        requests = ensure(resources, "requests")
        if requests is not None:
            for name, value in limits.items():
                requests.setdefault(name, value)


POD = ResourceType(
    group="", version="v1", kind="Pod", plural="pods", short_names=("po",), categories=ALL,
    subresources=("attach", "binding", "ephemeralcontainers", "eviction", "exec", "log",
                  "portforward", "proxy", "status"),
    columns=(
        column("Ready", pod_ready,
               description="The aggregate readiness state of this pod for accepting traffic."),
        column("Status", pod_status,
               description="The aggregate status of the containers in this pod."),
        column("Restarts", pod_restarts,
               description="The number of times the containers in this pod have been "
               "restarted and when the last container in this pod has restarted."),
        AGE,
        column("IP", pod_ip, priority=1),
        column("Node", lambda o: text(o, "spec", "nodeName") or "<none>", priority=1),
        column("Nominated Node", lambda o: text(o, "status", "nominatedNodeName") or "<none>",
               priority=1),
        column("Readiness Gates", pod_readiness_gates, priority=1),
    ),
    default=default_pod,
    validate=lambda pod: validate_pod_spec(pod.get("spec"), "spec"),
    validate_update=validate_pod_spec_update,
    field_selectors={
        "spec.nodeName": lambda o: text(o, "spec", "nodeName"),
        "spec.restartPolicy": lambda o: text(o, "spec", "restartPolicy"),
        "spec.schedulerName": lambda o: text(o, "spec", "schedulerName"),
        "spec.serviceAccountName": lambda o: text(o, "spec", "serviceAccountName"),
        "spec.hostNetwork": lambda o: bool_text(dig(o, "spec", "hostNetwork")),
        "status.phase": _status_phase,
        "status.podIP": lambda o: text(o, "status", "podIP"),
        "status.nominatedNodeName": lambda o: text(o, "status", "nominatedNodeName"),
    },
)


# Bindings and PodTemplates ----------------------------------------------------


def validate_binding(obj: Obj) -> list[Cause]:
    out: list[Cause] = []
    kind = text(obj, "target", "kind")
    if kind and kind != "Node":
        out.append(v.not_supported("target.kind", kind, ["Node", "<empty>"]))
    return out + required_text("target.name", dig(obj, "target", "name"))


BINDING = ResourceType(
    group="", version="v1", kind="Binding", plural="bindings", verbs=("create",),
    validate=validate_binding,
)

PODTEMPLATE = ResourceType(
    group="", version="v1", kind="PodTemplate", plural="podtemplates",
    columns=(
        *container_columns("template", "spec", priority=0),
        column("Pod Labels", lambda o: format_labels(mapping(o, "template", "metadata")
                                                     .get("labels")),
               description="The labels for the pod template."),
    ),
    default=lambda obj: default_pod_template(obj.get("template")),
    validate=lambda obj: validate_pod_template(obj.get("template"), "template"),
)


# ReplicationControllers -------------------------------------------------------


def default_replicationcontroller(obj: Obj) -> None:
    spec = ensure(obj, "spec")
    if spec is None:
        return
    labels = mapping(spec, "template", "metadata").get("labels")
    if isinstance(labels, dict):
        if not spec.get("selector"):
            spec["selector"] = dict(labels)
        metadata = ensure(obj, "metadata")
        if metadata is not None and not metadata.get("labels"):
            metadata["labels"] = dict(labels)
    set_default(spec, "replicas", 1)
    default_pod_template(spec.get("template"))


def validate_replicationcontroller(obj: Obj) -> list[Cause]:
    spec = mapping(obj, "spec")
    out = v.non_negative("spec.minReadySeconds", spec.get("minReadySeconds"))
    selector = mapping(spec, "selector")
    if not selector:
        out.append(v.required("spec.selector"))
    out += v.labels("spec.selector", spec.get("selector"))
    out += v.non_negative("spec.replicas", spec.get("replicas"))
    template = spec.get("template")
    out += template_mismatch("spec.template", selector_from_map(selector), template)
    out += validate_pod_template(template, "spec.template")
    return out + always_restart(template, "spec.template", "ReplicationController")


REPLICATIONCONTROLLER = ResourceType(
    group="", version="v1", kind="ReplicationController", plural="replicationcontrollers",
    short_names=("rc",), categories=ALL, subresources=("scale", "status"),
    columns=(
        column("Desired", lambda o: number(o, "spec", "replicas"), type="integer"),
        column("Current", lambda o: number(o, "status", "replicas"), type="integer"),
        column("Ready", lambda o: number(o, "status", "readyReplicas"), type="integer"),
        AGE,
        *container_columns("spec", "template", "spec"),
        column("Selector", lambda o: format_labels(mapping(o, "spec").get("selector")),
               priority=1),
    ),
    default=default_replicationcontroller,
    validate=validate_replicationcontroller,
    field_selectors={"status.replicas": lambda o: str(number(o, "status", "replicas"))},
    scale=ScaleSpec(),
)


# Services ---------------------------------------------------------------------

SERVICE_TYPES = ["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"]


def _externally_accessible(spec: Obj) -> bool:
    kind = spec.get("type")
    return kind in ("LoadBalancer", "NodePort") or \
        (kind == "ClusterIP" and bool(items(spec, "externalIPs")))


def default_service(obj: Obj) -> None:
    spec = ensure(obj, "spec")
    if spec is None:
        return
    set_default(spec, "sessionAffinity", "None")
    if spec["sessionAffinity"] == "None":
        spec.pop("sessionAffinityConfig", None)
    set_default(spec, "type", "ClusterIP")
    for port in dicts(spec, "ports"):
        set_default(port, "protocol", "TCP")
        if port.get("targetPort") in (None, "", 0):
            port["targetPort"] = port.get("port")
    if _externally_accessible(spec):
        set_default(spec, "externalTrafficPolicy", "Cluster")
    if spec["type"] == "ExternalName":
        return
    set_default(spec, "internalTrafficPolicy", "Cluster")
    set_default(spec, "ipFamilyPolicy", "SingleStack")
    if not spec.get("ipFamilies"):
        spec["ipFamilies"] = ["IPv4"]
    if spec["type"] == "LoadBalancer":
        set_default(spec, "allocateLoadBalancerNodePorts", True)


def validate_service(obj: Obj) -> list[Cause]:
    spec = mapping(obj, "spec")
    kind = spec.get("type")
    out = one_of("spec.type", kind, SERVICE_TYPES)
    headless = spec.get("clusterIP") == "None"
    if not dicts(spec, "ports") and not headless and kind != "ExternalName":
        out.append(v.required("spec.ports"))
    out += _service_ports(dicts(spec, "ports"))
    if kind == "ExternalName":
        name = spec.get("externalName")
        out += required_text("spec.externalName", name)
        if isinstance(name, str) and name:
            out += v.check("spec.externalName", name,
                           v.dns1123_subdomain_errors(name.removesuffix(".")))
    out += one_of("spec.sessionAffinity", spec.get("sessionAffinity"), ["ClientIP", "None"],
                  required=False)
    out += one_of("spec.externalTrafficPolicy", spec.get("externalTrafficPolicy"),
                  ["Cluster", "Local"], required=False)
    out += one_of("spec.internalTrafficPolicy", spec.get("internalTrafficPolicy"),
                  ["Cluster", "Local"], required=False)
    out += one_of("spec.ipFamilyPolicy", spec.get("ipFamilyPolicy"),
                  ["PreferDualStack", "RequireDualStack", "SingleStack"], required=False)
    for i, family in enumerate(items(spec, "ipFamilies")):
        out += one_of(f"spec.ipFamilies[{i}]", family, ["IPv4", "IPv6"])
    return out + v.labels("spec.selector", spec.get("selector"))


def _service_ports(ports: list[Obj]) -> list[Cause]:
    out: list[Cause] = []
    names: set[str] = set()
    seen: set[tuple[Any, Any]] = set()
    for i, port in enumerate(ports):
        path = f"spec.ports[{i}]"
        name = port.get("name")
        if not name and len(ports) > 1:
            out.append(v.required(f"{path}.name"))
        elif isinstance(name, str) and name:
            out += v.check(f"{path}.name", name, v.dns1123_label_errors(name))
            if name in names:
                out.append(v.duplicate(f"{path}.name", name))
            names.add(name)
        out += v.port_number(f"{path}.port", port.get("port"))
        out += one_of(f"{path}.protocol", port.get("protocol"), PROTOCOLS)
        target = port.get("targetPort")
        if isinstance(target, str):
            out += v.check(f"{path}.targetPort", target, v.port_name_errors(target))
        elif target is not None:
            out += v.port_number(f"{path}.targetPort", target)
        key = (port.get("protocol"), port.get("port"))
        if key in seen:
            out.append(Cause("FieldValueDuplicate", "Duplicate value: core.ServicePort{"
                             f"Protocol:{v.show(key[0] or '')}, Port:{v.show(key[1])}}}", path))
        seen.add(key)
    return out


def validate_service_update(new: Obj, old: Obj) -> list[Cause]:
    """A Service keeps its cluster IP (unless it stops having one)."""
    ip, old_ip = text(new, "spec", "clusterIP"), text(old, "spec", "clusterIP")
    if ip and old_ip and ip != old_ip:
        return [invalid_shown("spec.clusterIPs[0]", go_strings([ip]), "may not change once set")]
    return []


def service_external_ip(svc: Obj) -> str:
    spec = mapping(svc, "spec")
    external = [str(ip) for ip in items(spec, "externalIPs")]
    kind = spec.get("type")
    if kind in ("ClusterIP", "NodePort"):
        return ",".join(external) or "<none>"
    if kind == "LoadBalancer":
        ingress = {text(i, "ip") or text(i, "hostname")
                   for i in dicts(svc, "status", "loadBalancer", "ingress")} - {""}
        return ",".join([*sorted(ingress), *external]) or "<pending>"
    if kind == "ExternalName":
        return text(spec, "externalName")
    return "<unknown>"


def service_ports(svc: Obj) -> str:
    pieces = []
    for port in dicts(svc, "spec", "ports"):
        node_port = number(port, "nodePort")
        number_part = f"{port.get('port')}:{node_port}" if node_port > 0 else f"{port.get('port')}"
        pieces.append(f"{number_part}/{text(port, 'protocol')}")
    return ",".join(pieces) or "<none>"


SERVICE = ResourceType(
    group="", version="v1", kind="Service", plural="services", short_names=("svc",),
    categories=ALL, subresources=("proxy", "status"), tracks_generation=False,
    columns=(
        column("Type", lambda o: text(o, "spec", "type")),
        column("Cluster-IP", lambda o: text(o, "spec", "clusterIPs", 0)
               or text(o, "spec", "clusterIP") or "<none>"),
        column("External-IP", service_external_ip),
        column("Port(s)", service_ports),
        AGE,
        column("Selector", lambda o: format_labels(mapping(o, "spec").get("selector")),
               priority=1),
    ),
    default=default_service,
    validate=validate_service,
    validate_update=validate_service_update,
)


# Endpoints --------------------------------------------------------------------


def _host_port(ip: str, port: Any) -> str:
    return f"[{ip}]:{port}" if ":" in ip else f"{ip}:{port}"


def format_endpoints(obj: Obj) -> str:
    subsets = dicts(obj, "subsets")
    if not subsets:
        return "<none>"
    shown: list[str] = []
    count = 0
    for subset in subsets:
        ips = [text(a, "ip") for a in dicts(subset, "addresses")]
        ports = dicts(subset, "ports")
        if not ports:
            count += len(ips)
            shown += ips
        for port in ports:
            count += len(ips)
            shown += [_host_port(ip, port.get("port")) for ip in ips]
    return first_three(shown, count, "")


def validate_endpoints(obj: Obj) -> list[Cause]:
    out: list[Cause] = []
    for i, subset in enumerate(dicts(obj, "subsets")):
        path = f"subsets[{i}]"
        for kind in ("addresses", "notReadyAddresses"):
            for j, address in enumerate(dicts(subset, kind)):
                out += _ip_causes(f"{path}.{kind}[{j}].ip", address.get("ip"))
        for j, port in enumerate(dicts(subset, "ports")):
            out += v.port_number(f"{path}.ports[{j}].port", port.get("port"))
            out += one_of(f"{path}.ports[{j}].protocol", port.get("protocol"), PROTOCOLS)
    return out


def _ip_causes(path: str, value: Any) -> list[Cause]:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return [v.invalid(path, value, "must be a valid IP address, (e.g. 10.9.8.7 or "
                          "2001:db8::ffff)")]
    return []


def default_endpoints(obj: Obj) -> None:
    for subset in dicts(obj, "subsets"):
        for port in dicts(subset, "ports"):
            set_default(port, "protocol", "TCP")


ENDPOINTS = ResourceType(
    group="", version="v1", kind="Endpoints", plural="endpoints", singular="endpoints",
    short_names=("ep",),
    columns=(column("Endpoints", format_endpoints), AGE),
    default=default_endpoints,
    validate=validate_endpoints,
)


# ConfigMaps and Secrets -------------------------------------------------------

def _config_keys(path: str, data: Obj) -> list[Cause]:
    out: list[Cause] = []
    for key in data:
        out += v.check(f"{path}[{key}]", key, v.config_key_errors(key))
    return out


def validate_configmap(obj: Obj) -> list[Cause]:
    data, binary = mapping(obj, "data"), mapping(obj, "binaryData")
    out = _config_keys("data", data)
    out += [v.invalid(f"data[{k}]", k, "duplicate of key present in binaryData")
            for k in data if k in binary]
    out += _config_keys("binaryData", binary)
    out += [v.invalid(f"binaryData[{k}]", k, "duplicate of key present in data")
            for k in binary if k in data]
    for key, value in binary.items():
        error = base64_error(value)
        if error:
            out.append(v.invalid(f"binaryData[{key}]", value, error))
    size = sum(len(str(x).encode()) for x in data.values()) + \
        sum(decoded_size(x) for x in binary.values())
    if size > MAX_CONFIG_SIZE:
        out.append(v.too_long("", "", MAX_CONFIG_SIZE))
    return out


def _immutable_data(new: Obj, old: Obj, fields: tuple[str, ...]) -> list[Cause]:
    """Once `immutable: true`, neither it nor the data may change."""
    if old.get("immutable") is not True:
        return []
    message = "field is immutable when `immutable` is set"
    out = [] if new.get("immutable") is True else [v.forbidden("immutable", message)]
    return out + [v.forbidden(f, message) for f in fields if new.get(f) != old.get(f)]


CONFIGMAP = ResourceType(
    group="", version="v1", kind="ConfigMap", plural="configmaps", short_names=("cm",),
    columns=(column("Data", lambda o: len(mapping(o, "data")) + len(mapping(o, "binaryData")),
                    type="integer"), AGE),
    validate=validate_configmap,
    validate_update=lambda new, old: _immutable_data(new, old, ("data", "binaryData")),
)

REDACTED = '"<secret contents redacted>"'
# Secret types and the data keys they require.
SECRET_KEYS = {
    "kubernetes.io/dockercfg": (".dockercfg",),
    "kubernetes.io/dockerconfigjson": (".dockerconfigjson",),
    "kubernetes.io/ssh-auth": ("ssh-privatekey",),
    "kubernetes.io/tls": ("tls.crt", "tls.key"),
}


def validate_secret(obj: Obj) -> list[Cause]:
    data = mapping(obj, "data")
    out = _config_keys("data", data)
    for key, value in data.items():
        error = base64_error(value)
        if error:
            out.append(invalid_shown(f"data[{key}]", REDACTED, error))
    if sum(decoded_size(x) for x in data.values()) > MAX_CONFIG_SIZE:
        out.append(v.too_long("data", "", MAX_CONFIG_SIZE))
    return out + _secret_type_causes(text(obj, "type"), data, obj)


def _secret_type_causes(kind: str, data: Obj, obj: Obj) -> list[Cause]:
    if kind == "kubernetes.io/service-account-token":
        name = mapping(obj, "metadata", "annotations").get("kubernetes.io/service-account.name")
        return required_text("metadata.annotations[kubernetes.io/service-account.name]", name)
    if kind == "kubernetes.io/basic-auth" and "username" not in data and "password" not in data:
        return [v.required("data[username]"), v.required("data[password]")]
    out = [v.required(f"data[{key}]") for key in SECRET_KEYS.get(kind, ()) if key not in data]
    if kind in ("kubernetes.io/dockercfg", "kubernetes.io/dockerconfigjson") and not out:
        key = SECRET_KEYS[kind][0]
        if base64_error(data[key]) is None:
            try:
                json.loads(base64.b64decode(data[key]))
            except ValueError as e:
                out.append(invalid_shown(f"data[{key}]", REDACTED, str(e)))
    return out


def validate_secret_update(new: Obj, old: Obj) -> list[Cause]:
    out = immutable("type", new.get("type"), old.get("type"))
    return out + _immutable_data(new, old, ("data",))


def default_secret(secret: Obj) -> None:
    """Fold the write-only `stringData` into base64 `data` (its keys win); default the type.

    Kubernetes does this when it decodes a Secret, so everything after --
    managed fields, admission, storage, replies -- sees `data` only.
    """
    plain = secret.pop("stringData", None)
    if isinstance(plain, dict):
        data = secret.get("data")
        if not isinstance(data, dict):
            data = secret["data"] = {}
        for k, value in plain.items():
            data[k] = base64.b64encode(str(value).encode()).decode()
    set_default(secret, "type", "Opaque")


SECRET = ResourceType(
    group="", version="v1", kind="Secret", plural="secrets",
    columns=(column("Type", lambda o: text(o, "type")),
             column("Data", lambda o: len(mapping(o, "data")), type="integer"), AGE),
    default=default_secret,
    validate=validate_secret,
    validate_update=validate_secret_update,
    field_selectors={"type": lambda o: text(o, "type")},
)


# Nodes ------------------------------------------------------------------------

ROLE_PREFIX = "node-role.kubernetes.io/"


def node_status(node: Obj) -> str:
    ready = [c for c in dicts(node, "status", "conditions") if c.get("type") == "Ready"]
    states = ["Ready" if ready[-1].get("status") == "True" else "NotReady"] if ready \
        else ["Unknown"]
    if dig(node, "spec", "unschedulable") is True:
        states.append("SchedulingDisabled")
    return ",".join(states)


def node_roles(node: Obj) -> str:
    roles = set()
    for key, value in mapping(node, "metadata", "labels").items():
        if key.startswith(ROLE_PREFIX) and key[len(ROLE_PREFIX):]:
            roles.add(key[len(ROLE_PREFIX):])
        elif key == "kubernetes.io/role" and value:
            roles.add(str(value))
    return ",".join(sorted(roles)) or "<none>"


def node_address(kind: str) -> Callable[[Obj], str]:
    def cell(node: Obj) -> str:
        for address in dicts(node, "status", "addresses"):
            if address.get("type") == kind:
                return text(address, "address")
        return "<none>"
    return cell


def node_info(field: str) -> Callable[[Obj], str]:
    return lambda node: text(node, "status", "nodeInfo", field) or "<unknown>"


def _pod_cidrs(node: Obj) -> list[Any]:
    cidrs = items(node, "spec", "podCIDRs")
    single = dig(node, "spec", "podCIDR")
    return cidrs or ([single] if single else [])


def validate_node(node: Obj) -> list[Cause]:
    out: list[Cause] = []
    for i, cidr in enumerate(_pod_cidrs(node)):
        try:
            ipaddress.ip_network(cidr, strict=False)
        except (TypeError, ValueError):
            out.append(v.invalid(f"spec.podCIDRs[{i}]", cidr, "must be a valid CIDR value, "
                                 "(e.g. 10.9.8.0/24 or 2001:db8::/64)"))
    for i, taint in enumerate(dicts(node, "spec", "taints")):
        path = f"spec.taints[{i}]"
        key = taint.get("key")
        out += required_text(f"{path}.key", key)
        out += each_name(f"{path}.key", key, v.qualified_name_errors)
        out += one_of(f"{path}.effect", taint.get("effect"), TAINT_EFFECTS)
    return out


def validate_node_update(new: Obj, old: Obj) -> list[Cause]:
    out: list[Cause] = []
    old_cidrs = _pod_cidrs(old)
    if old_cidrs and _pod_cidrs(new) != old_cidrs:
        out.append(v.forbidden("spec.podCIDRs",
                               'node updates may not change podCIDR except from "" to valid'))
    provider = text(old, "spec", "providerID")
    if provider and text(new, "spec", "providerID") != provider:
        out.append(v.forbidden("spec.providerID",
                               'node updates may not change providerID except from "" to valid'))
    return out


def default_node(node: Obj) -> None:
    status = mapping(node, "status")
    capacity = status.get("capacity")
    if isinstance(capacity, dict) and status.get("allocatable") is None:
        status["allocatable"] = dict(capacity)


NODE = ResourceType(
    group="", version="v1", kind="Node", plural="nodes", namespaced=False, short_names=("no",),
    subresources=("proxy", "status"), tracks_generation=False,
    columns=(
        column("Status", node_status, description="The status of the node"),
        column("Roles", node_roles, description="The roles of the node"),
        AGE,
        column("Version", lambda o: text(o, "status", "nodeInfo", "kubeletVersion")),
        column("Internal-IP", node_address("InternalIP"), priority=1),
        column("External-IP", node_address("ExternalIP"), priority=1),
        column("OS-Image", node_info("osImage"), priority=1),
        column("Kernel-Version", node_info("kernelVersion"), priority=1),
        column("Container-Runtime", node_info("containerRuntimeVersion"), priority=1),
    ),
    default=default_node,
    validate=validate_node,
    validate_update=validate_node_update,
    field_selectors={"spec.unschedulable": lambda o: bool_text(dig(o, "spec", "unschedulable"))},
)


# Events -----------------------------------------------------------------------


def event_first_seen(event: Obj) -> str:
    first = text(event, "firstTimestamp")
    return age(first) if first else age(text(event, "eventTime"))


def event_last_seen(event: Obj) -> str:
    if isinstance(event.get("series"), dict):
        return age(text(event, "series", "lastObservedTime"))
    last = text(event, "lastTimestamp")
    return age(last) if last else event_first_seen(event)


def event_count(event: Obj) -> int:
    if isinstance(event.get("series"), dict):
        return number(event, "series", "count")
    return number(event, "count") or 1


def event_object(event: Obj) -> str:
    kind, name = text(event, "involvedObject", "kind").lower(), \
        text(event, "involvedObject", "name")
    return f"{kind}/{name}" if name else kind


def event_source(event: Obj) -> str:
    component = text(event, "source", "component") or text(event, "reportingComponent")
    instance = text(event, "source", "host") or text(event, "reportingInstance")
    return f"{component}, {instance}" if instance else component


EVENT_COLUMNS = (
    column("Last Seen", event_last_seen),
    column("Type", lambda o: text(o, "type")),
    column("Reason", lambda o: text(o, "reason")),
    column("Object", event_object),
    column("Subobject", lambda o: text(o, "involvedObject", "fieldPath"), priority=1),
    column("Source", event_source, priority=1),
    column("Message", lambda o: text(o, "message").strip()),
    column("First Seen", event_first_seen, priority=1),
    column("Count", event_count, type="integer", priority=1),
    replace(NAME, priority=1),
)


def validate_event(event: Obj) -> list[Cause]:
    """The legacy (core/v1) Event rules; series-style events must name their reporter."""
    involved = event.get("involvedObject")
    if not isinstance(involved, dict) or not (involved.get("kind") or involved.get("name")):
        return [v.required("involvedObject")]
    namespace = text(event, "metadata", "namespace")
    involved_ns = text(involved, "namespace")
    allowed = ("", "default") if not text(event, "eventTime") else ("default", "kube-system")
    mismatch = namespace != involved_ns if involved_ns else namespace not in allowed
    out: list[Cause] = []
    if mismatch:
        out.append(v.invalid("involvedObject.namespace", involved_ns,
                             "does not match event.namespace"))
    if text(event, "eventTime"):
        for name in ("reportingComponent", "reportingInstance", "action", "reason"):
            out += required_text(name, event.get(name))
        out += each_name("reportingComponent", event.get("reportingComponent"),
                         v.qualified_name_errors)
    return out


INVOLVED_FIELDS = ("kind", "namespace", "name", "uid", "apiVersion", "resourceVersion",
                   "fieldPath")


def involved_field(field: str) -> Callable[[Obj], str]:
    """A core Event's `involvedObject.<field>` (a field selector getter)."""
    return lambda event: text(event, "involvedObject", field)


EVENT = ResourceType(
    group="", version="v1", kind="Event", plural="events", short_names=("ev",),
    columns=EVENT_COLUMNS,
    validate=validate_event,
    field_selectors={
        **{f"involvedObject.{f}": involved_field(f) for f in INVOLVED_FIELDS},
        "reason": lambda o: text(o, "reason"),
        "reportingComponent": lambda o: text(o, "reportingComponent"),
        "source": lambda o: text(o, "source", "component"),
        "type": lambda o: text(o, "type"),
    },
)


# ServiceAccounts --------------------------------------------------------------

SERVICEACCOUNT = ResourceType(
    group="", version="v1", kind="ServiceAccount", plural="serviceaccounts",
    short_names=("sa",), subresources=("token",),
    columns=(column("Secrets", lambda o: len(items(o, "secrets")), type="integer"), AGE),
)


# PersistentVolumes and claims -------------------------------------------------

RECLAIM_POLICIES = ["Delete", "Recycle", "Retain"]
# PersistentVolumeSpec fields that are not volume sources.
PV_SPEC_FIELDS = frozenset({"accessModes", "capacity", "claimRef", "mountOptions", "nodeAffinity",
                            "persistentVolumeReclaimPolicy", "storageClassName", "volumeMode",
                            "volumeAttributesClassName"})


def access_modes(modes: Any) -> str:
    present = set(modes) if isinstance(modes, list) else set()
    return ",".join(short for mode, short in ACCESS_MODES.items() if mode in present)


def storage_class(obj: Obj) -> str:
    annotated = mapping(obj, "metadata", "annotations").get(STORAGE_CLASS_ANNOTATION)
    return str(annotated) if annotated else text(obj, "spec", "storageClassName")


def _terminating_phase(obj: Obj) -> str:
    return "Terminating" if text(obj, "metadata", "deletionTimestamp") else _status_phase(obj)


def _attributes_class(obj: Obj) -> str:
    name = dig(obj, "spec", "volumeAttributesClassName")
    return name if isinstance(name, str) else "<unset>"


def _volume_mode(obj: Obj) -> str:
    return text(obj, "spec", "volumeMode") or "<unset>"


def _claim(pv: Obj) -> str:
    ref = dig(pv, "spec", "claimRef")
    return f"{text(ref, 'namespace')}/{text(ref, 'name')}" if isinstance(ref, dict) else ""


def _access_modes_causes(spec: Obj) -> list[Cause]:
    modes = items(spec, "accessModes")
    out: list[Cause] = []
    for i, mode in enumerate(modes):
        out += one_of(f"spec.accessModes[{i}]", mode, sorted(ACCESS_MODES))
    return out


def default_persistentvolume(pv: Obj) -> None:
    spec = ensure(pv, "spec")
    if spec is not None:
        set_default(spec, "persistentVolumeReclaimPolicy", "Retain")
        set_default(spec, "volumeMode", "Filesystem")
    status = ensure(pv, "status")
    if status is not None:
        set_default(status, "phase", "Pending")


def validate_persistentvolume(pv: Obj) -> list[Cause]:
    spec = mapping(pv, "spec")
    out = [] if items(spec, "accessModes") else [v.required("spec.accessModes")]
    out += _access_modes_causes(spec)
    capacity = mapping(spec, "capacity")
    out += [v.required("spec.capacity")] if not capacity else \
        resource_list_causes("spec.capacity", capacity)
    out += one_of("spec.persistentVolumeReclaimPolicy",
                  spec.get("persistentVolumeReclaimPolicy"), RECLAIM_POLICIES, required=False)
    sources = [k for k in spec if k not in PV_SPEC_FIELDS]
    if not sources:
        out.append(v.required("spec", "must specify a volume type"))
    out += [v.forbidden(f"spec.{extra}", "may not specify more than 1 volume type")
            for extra in sources[1:]]
    return out


PERSISTENTVOLUME = ResourceType(
    group="", version="v1", kind="PersistentVolume", plural="persistentvolumes",
    namespaced=False, short_names=("pv",), subresources=("status",), tracks_generation=False,
    columns=(
        column("Capacity", lambda o: str(mapping(o, "spec", "capacity").get("storage", "0"))),
        column("Access Modes", lambda o: access_modes(dig(o, "spec", "accessModes"))),
        column("Reclaim Policy", lambda o: text(o, "spec", "persistentVolumeReclaimPolicy")),
        column("Status", _terminating_phase),
        column("Claim", _claim),
        column("StorageClass", storage_class),
        column("VolumeAttributesClass", _attributes_class),
        column("Reason", lambda o: text(o, "status", "reason")),
        AGE,
        column("VolumeMode", _volume_mode, priority=1),
    ),
    default=default_persistentvolume,
    validate=validate_persistentvolume,
)


def default_persistentvolumeclaim(pvc: Obj) -> None:
    spec = ensure(pvc, "spec")
    if spec is not None:
        set_default(spec, "volumeMode", "Filesystem")
    status = ensure(pvc, "status")
    if status is not None:
        set_default(status, "phase", "Pending")


def validate_persistentvolumeclaim(pvc: Obj) -> list[Cause]:
    spec = mapping(pvc, "spec")
    out = [] if items(spec, "accessModes") else \
        [v.required("spec.accessModes", "at least 1 access mode is required")]
    out += _access_modes_causes(spec)
    requests = mapping(spec, "resources", "requests")
    if "storage" not in requests:
        out.append(v.required("spec.resources[storage]"))
    return out + resource_list_causes("spec.resources.requests", requests)


def validate_persistentvolumeclaim_update(new: Obj, old: Obj) -> list[Cause]:
    """Only requests (growing) and a first volumeName may change."""
    spec, old_spec = copy.deepcopy(mapping(new, "spec")), mapping(old, "spec")
    out: list[Cause] = []
    size, old_size = parse_quantity(dig(spec, "resources", "requests", "storage")), \
        parse_quantity(dig(old_spec, "resources", "requests", "storage"))
    if size is not None and old_size is not None and size < old_size:
        out.append(v.forbidden("spec.resources.requests.storage",
                               "field can not be less than previous value"))
    requests = dig(old_spec, "resources", "requests")
    if isinstance(spec.get("resources"), dict) and requests is not None:
        spec["resources"]["requests"] = requests
    if not old_spec.get("volumeName"):
        spec.pop("volumeName", None)
        old_spec = {k: val for k, val in old_spec.items() if k != "volumeName"}
    if spec != old_spec:
        out.append(v.forbidden("spec", "spec is immutable after creation except "
                               "resources.requests for bound claims"))
    return out


PERSISTENTVOLUMECLAIM = ResourceType(
    group="", version="v1", kind="PersistentVolumeClaim", plural="persistentvolumeclaims",
    short_names=("pvc",), subresources=("status",), tracks_generation=False,
    columns=(
        column("Status", _terminating_phase),
        column("Volume", lambda o: text(o, "spec", "volumeName")),
        column("Capacity", lambda o: str(mapping(o, "status", "capacity").get("storage", "0"))
               if text(o, "spec", "volumeName") else ""),
        column("Access Modes", lambda o: access_modes(dig(o, "status", "accessModes"))
               if text(o, "spec", "volumeName") else ""),
        column("StorageClass", storage_class),
        column("VolumeAttributesClass", _attributes_class),
        AGE,
        column("VolumeMode", _volume_mode, priority=1),
    ),
    default=default_persistentvolumeclaim,
    validate=validate_persistentvolumeclaim,
    validate_update=validate_persistentvolumeclaim_update,
)


# ResourceQuotas and LimitRanges -----------------------------------------------


def quota_column(limits: bool) -> Callable[[Obj], str]:
    """`cpu: 100m/1, pods: 2/10`: used/hard per resource (REQUEST or LIMIT column)."""
    def cell(quota: Obj) -> str:
        hard, used = mapping(quota, "status", "hard"), mapping(quota, "status", "used")
        pieces = [f"{name}: {used.get(name, '0')}/{hard[name]}" for name in sorted(hard)
                  if name.startswith("limits.") == limits]
        return ", ".join(pieces)
    return cell


def validate_resourcequota(quota: Obj) -> list[Cause]:
    out = resource_list_causes("spec.hard", mapping(quota, "spec", "hard"))
    out += resource_list_causes("status.hard", mapping(quota, "status", "hard"))
    return out + resource_list_causes("status.used", mapping(quota, "status", "used"))


RESOURCEQUOTA = ResourceType(
    group="", version="v1", kind="ResourceQuota", plural="resourcequotas",
    short_names=("quota",), subresources=("status",), tracks_generation=False,
    columns=(column("Request", quota_column(limits=False)),
             column("Limit", quota_column(limits=True)), AGE),
    validate=validate_resourcequota,
)

LIMIT_TYPES = ["Container", "PersistentVolumeClaim", "Pod"]
LIMIT_FIELDS = ("max", "min", "default", "defaultRequest", "maxLimitRequestRatio")


def default_limitrange(obj: Obj) -> None:
    """Container limits: default = max, defaultRequest = default, else min."""
    for item in dicts(obj, "spec", "limits"):
        if item.get("type") != "Container":
            continue
        default = {**mapping(item, "max"), **mapping(item, "default")}
        request = {**mapping(item, "min"), **default, **mapping(item, "defaultRequest")}
        if default:
            item["default"] = default
        if request:
            item["defaultRequest"] = request


def validate_limitrange(obj: Obj) -> list[Cause]:
    out: list[Cause] = []
    for i, item in enumerate(dicts(obj, "spec", "limits")):
        path = f"spec.limits[{i}]"
        out += one_of(f"{path}.type", item.get("type"), LIMIT_TYPES)
        for name in LIMIT_FIELDS:
            out += resource_list_causes(f"{path}.{name}", item.get(name))
    return out


LIMITRANGE = ResourceType(
    group="", version="v1", kind="LimitRange", plural="limitranges", short_names=("limits",),
    columns=(column("Created At", created_at, type="date"),),
    default=default_limitrange,
    validate=validate_limitrange,
)

RESOURCES: list[ResourceType] = [
    BINDING, CONFIGMAP, ENDPOINTS, EVENT, LIMITRANGE, NAMESPACE, NODE, PERSISTENTVOLUMECLAIM,
    PERSISTENTVOLUME, POD, PODTEMPLATE, REPLICATIONCONTROLLER, RESOURCEQUOTA, SECRET,
    SERVICEACCOUNT, SERVICE,
]
