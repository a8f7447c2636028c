"""discovery.k8s.io/v1 EndpointSlices: a Service's backends, in slices of 100.

The endpoint-slice controller writes them and kube-proxy reads them. Every
address must be of the slice's `addressType` (IPv4, IPv6 or FQDN), which can
never change; ports default to TCP with an empty name, as Kubernetes fills
them. The printer shows the first three ports and addresses.
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
    first_three,
    immutable,
    items,
    one_of,
    set_default,
    text,
)
from pyk8s.api.resources._podspec import PROTOCOLS
from pyk8s.api.tables import AGE

ADDRESS_TYPES = ["FQDN", "IPv4", "IPv6"]
MAX_ADDRESSES = 100


def default_endpointslice(slice_: Obj) -> None:
    for port in dicts(slice_, "ports"):
        set_default(port, "protocol", "TCP")
        port.setdefault("name", "")


def _address_causes(path: str, address: Any, kind: Any) -> list[Cause]:
    if kind == "FQDN":
        return v.check(path, str(address), v.dns1123_subdomain_errors(str(address)))
    version = {"IPv4": 4, "IPv6": 6}.get(kind)
    try:
        valid = ipaddress.ip_address(address).version == version
    except ValueError:
        valid = False
    if version is None or valid:
        return []
    return [v.invalid(path, address, f"must be a valid {kind} address")]


def validate_endpointslice(slice_: Obj) -> list[Cause]:
    kind = slice_.get("addressType")
    out = one_of("addressType", kind, ADDRESS_TYPES)
    for i, endpoint in enumerate(dicts(slice_, "endpoints")):
        addresses = items(endpoint, "addresses")
        path = f"endpoints[{i}].addresses"
        if not addresses:
            out.append(v.required(path, "must contain at least 1 address"))
        elif len(addresses) > MAX_ADDRESSES:
            out.append(Cause("FieldValueTooMany", f"Too many: {len(addresses)}: must have "
                               f"at most {MAX_ADDRESSES} items", path))
        for j, address in enumerate(addresses):
            out += _address_causes(f"{path}[{j}]", address, kind)
    for i, port in enumerate(dicts(slice_, "ports")):
        path = f"ports[{i}]"
        out += each_name(f"{path}.name", port.get("name"), v.dns1123_label_errors)
        out += one_of(f"{path}.protocol", port.get("protocol"), PROTOCOLS, required=False)
        if port.get("port") is not None:
            out += v.port_number(f"{path}.port", port["port"], allow_zero=True)
    return out


def _ports(slice_: Obj) -> str:
    ports = dicts(slice_, "ports")
    shown = [str(p["port"]) if p.get("port") is not None else (text(p, "name") or "*")
             for p in ports]
    return first_three(shown, len(ports), "<unset>")


def _endpoints(slice_: Obj) -> str:
    addresses = [str(a) for e in dicts(slice_, "endpoints") for a in items(e, "addresses")]
    return first_three(addresses, len(addresses), "<unset>")


ENDPOINTSLICE = ResourceType(
    group="discovery.k8s.io", version="v1", kind="EndpointSlice", plural="endpointslices",
    tracks_generation=True,
    columns=(
        column("AddressType", lambda o: text(o, "addressType")),
        column("Ports", _ports),
        column("Endpoints", _endpoints),
        AGE,
    ),
    default=default_endpointslice,
    validate=validate_endpointslice,
    validate_update=lambda new, old: immutable("addressType", new.get("addressType"),
                                               old.get("addressType")),
)

RESOURCES: list[ResourceType] = [ENDPOINTSLICE]
