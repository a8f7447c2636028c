"""networking.k8s.io/v1: Ingresses, IngressClasses and NetworkPolicies.

Ingress validation covers what users get wrong first: a path's `pathType`
(required in v1), absolute paths for `Exact`/`Prefix`, backends naming a
service with a port number or name, and hosts that are DNS names (wildcards
allowed). NetworkPolicies default `policyTypes` as Kubernetes does (Ingress,
plus Egress when egress rules are given) and their ports' protocol to TCP.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from pyk8s.api import validation as v
from pyk8s.api.errors import Cause
from pyk8s.api.resource import Obj, ResourceType
from pyk8s.api.resources._common import (
    column,
    dicts,
    each_name,
    ensure,
    format_selector,
    immutable,
    invalid_shown,
    items,
    mapping,
    one_of,
    required_text,
    set_default,
    text,
)
from pyk8s.api.resources._podspec import PROTOCOLS
from pyk8s.api.tables import AGE

PATH_TYPES = ["Exact", "ImplementationSpecific", "Prefix"]
POLICY_TYPES = ["Egress", "Ingress"]


# Ingresses ------------------------------------------------------------------------


def _hosts(ingress: Obj) -> str:
    """Up to three rule hosts, `*` when no rule names one."""
    rules = dicts(ingress, "spec", "rules")
    hosts: list[str] = []
    more = False
    for rule in rules:
        more = more or len(hosts) == 3
        if not more and text(rule, "host"):
            hosts.append(text(rule, "host"))
    if not hosts:
        return "*"
    return ",".join(hosts) + (f" + {len(rules) - 3} more..." if more else "")


def load_balancer_addresses(obj: Obj) -> str:
    """Ingress points of a load balancer status: IPs or hostnames, sorted, comma-joined."""
    addresses = {text(i, "ip") or text(i, "hostname")
                 for i in dicts(obj, "status", "loadBalancer", "ingress")} - {""}
    return ",".join(sorted(addresses))


def _host_causes(path: str, host: Any) -> list[Cause]:
    if not isinstance(host, str) or not host:
        return []
    try:
        ipaddress.ip_address(host)
    except ValueError:
        pass
    else:
        return [v.invalid(path, host, "must be a DNS name, not an IP address")]
    name = host[2:] if host.startswith("*.") else host
    return v.check(path, host, v.dns1123_subdomain_errors(name))


def _backend_causes(backend: Obj, path: str) -> list[Cause]:
    service, resource = backend.get("service"), backend.get("resource")
    if service is not None and resource is not None:
        return [invalid_shown(path, "networking.IngressBackend{...}",
                              "cannot set both resource and service backends")]
    if resource is not None:
        return required_text(f"{path}.resource.kind", text(resource, "kind")) + \
            required_text(f"{path}.resource.name", text(resource, "name"))
    if not isinstance(service, dict):
        return [invalid_shown(path, "networking.IngressBackend{...}",
                              "resource or service backend is required")]
    out = required_text(f"{path}.service.name", service.get("name"))
    out += each_name(f"{path}.service.name", service.get("name"), v.dns1035_label_errors)
    port = mapping(service, "port")
    has_name, has_number = bool(port.get("name")), port.get("number") is not None
    if has_name and has_number:
        out.append(invalid_shown(f"{path}.service.port", "networking.ServiceBackendPort{...}",
                                 "cannot set both port name & port number"))
    elif has_name:
        out += v.check(f"{path}.service.port.name", port["name"],
                       v.port_name_errors(str(port["name"])))
    elif has_number:
        out += v.port_number(f"{path}.service.port.number", port["number"])
    else:
        out.append(invalid_shown(f"{path}.service.port", "networking.ServiceBackendPort{...}",
                                 "port name or number is required"))
    return out


def _paths_causes(http: Obj, path: str) -> list[Cause]:
    paths = dicts(http, "paths")
    if not paths:
        return [v.required(f"{path}.paths")]
    out: list[Cause] = []
    for i, entry in enumerate(paths):
        p = f"{path}.paths[{i}]"
        kind = entry.get("pathType")
        if not kind:
            out.append(v.required(f"{p}.pathType", "pathType must be specified"))
        else:
            out += one_of(f"{p}.pathType", kind, PATH_TYPES)
        value = text(entry, "path")
        if kind in ("Exact", "Prefix") and not value.startswith("/"):
            out.append(v.invalid(f"{p}.path", value, "must be an absolute path"))
        out += _backend_causes(mapping(entry, "backend"), f"{p}.backend")
    return out


def validate_ingress(ingress: Obj) -> list[Cause]:
    spec = mapping(ingress, "spec")
    out: list[Cause] = []
    if not dicts(spec, "rules") and not isinstance(spec.get("defaultBackend"), dict):
        out.append(invalid_shown("spec", "[]networking.IngressRule(nil)",
                                 "either `defaultBackend` or `rules` must be specified"))
    out += each_name("spec.ingressClassName", spec.get("ingressClassName"),
                     v.dns1123_subdomain_errors)
    if isinstance(spec.get("defaultBackend"), dict):
        out += _backend_causes(spec["defaultBackend"], "spec.defaultBackend")
    for i, rule in enumerate(dicts(spec, "rules")):
        out += _host_causes(f"spec.rules[{i}].host", rule.get("host"))
        if isinstance(rule.get("http"), dict):
            out += _paths_causes(rule["http"], f"spec.rules[{i}].http")
    return out


INGRESS = ResourceType(
    group="networking.k8s.io", version="v1", kind="Ingress", plural="ingresses",
    short_names=("ing",), subresources=("status",),
    columns=(
        column("Class", lambda o: text(o, "spec", "ingressClassName") or "<none>"),
        column("Hosts", _hosts),
        column("Address", load_balancer_addresses),
        column("Ports", lambda o: "80, 443" if dicts(o, "spec", "tls") else "80"),
        AGE,
    ),
    validate=validate_ingress,
)


# IngressClasses ------------------------------------------------------------------------


def _parameters(ingress_class: Obj) -> str:
    params = mapping(ingress_class, "spec", "parameters")
    if not params:
        return "<none>"
    kind = text(params, "kind")
    if isinstance(params.get("apiGroup"), str):
        kind += "." + params["apiGroup"]
    return f"{kind}/{text(params, 'name')}"


def validate_ingressclass(ingress_class: Obj) -> list[Cause]:
    controller = text(ingress_class, "spec", "controller")
    out = required_text("spec.controller", controller)
    if len(controller) > 250:
        out.append(v.too_long("spec.controller", controller, 250))
    return out


INGRESSCLASS = ResourceType(
    group="networking.k8s.io", version="v1", kind="IngressClass", plural="ingressclasses",
    namespaced=False, tracks_generation=True,
    columns=(
        column("Controller", lambda o: text(o, "spec", "controller")),
        column("Parameters", _parameters),
        AGE,
    ),
    validate=validate_ingressclass,
    validate_update=lambda new, old: immutable(
        "spec.controller", text(new, "spec", "controller"), text(old, "spec", "controller")),
)


# NetworkPolicies ------------------------------------------------------------------------


def _rule_ports(spec: Obj) -> list[Obj]:
    return [port for direction in ("ingress", "egress") for rule in dicts(spec, direction)
            for port in dicts(rule, "ports")]


def default_networkpolicy(policy: Obj) -> None:
    spec = ensure(policy, "spec")
    if spec is None:
        return
    if not spec.get("policyTypes"):
        spec["policyTypes"] = ["Ingress", "Egress"] if spec.get("egress") else ["Ingress"]
    for port in _rule_ports(spec):
        set_default(port, "protocol", "TCP")


def _peer_causes(peer: Obj, path: str) -> list[Cause]:
    out = v.label_selector(f"{path}.podSelector", peer.get("podSelector"))
    out += v.label_selector(f"{path}.namespaceSelector", peer.get("namespaceSelector"))
    block = peer.get("ipBlock")
    if isinstance(block, dict):
        for key, value in (("cidr", block.get("cidr")),
                           *((f"except[{i}]", x) for i, x in enumerate(items(block, "except")))):
            try:
                ipaddress.ip_network(value, strict=False)
            except (TypeError, ValueError):
                out.append(v.invalid(f"{path}.ipBlock.{key}", value, "must be a valid CIDR "
                                     "value, (e.g. 10.9.8.0/24 or 2001:db8::/64)"))
    return out


def validate_networkpolicy(policy: Obj) -> list[Cause]:
    spec = mapping(policy, "spec")
    out = v.label_selector("spec.podSelector", spec.get("podSelector"))
    for i, kind in enumerate(items(spec, "policyTypes")):
        out += one_of(f"spec.policyTypes[{i}]", kind, POLICY_TYPES)
    for direction, peers in (("ingress", "from"), ("egress", "to")):
        for i, rule in enumerate(dicts(spec, direction)):
            path = f"spec.{direction}[{i}]"
            for j, port in enumerate(dicts(rule, "ports")):
                out += one_of(f"{path}.ports[{j}].protocol", port.get("protocol"), PROTOCOLS,
                              required=False)
                number = port.get("port")
                if isinstance(number, str):
                    out += v.check(f"{path}.ports[{j}].port", number, v.port_name_errors(number))
                elif number is not None:
                    out += v.port_number(f"{path}.ports[{j}].port", number)
            for j, peer in enumerate(dicts(rule, peers)):
                out += _peer_causes(peer, f"{path}.{peers}[{j}]")
    return out


NETWORKPOLICY = ResourceType(
    group="networking.k8s.io", version="v1", kind="NetworkPolicy", plural="networkpolicies",
    short_names=("netpol",), tracks_generation=True,
    columns=(
        column("Pod-Selector", lambda o: format_selector(mapping(o, "spec").get("podSelector"))),
        AGE,
    ),
    default=default_networkpolicy,
    validate=validate_networkpolicy,
)

RESOURCES: list[ResourceType] = [INGRESSCLASS, INGRESS, NETWORKPOLICY]
