"""What a REST request is about, read from its method and path.

Kubernetes URLs have a fixed grammar:

    /api/v1[/watch]/namespaces/NS/RESOURCE[/NAME[/SUBRESOURCE]]
    /apis/GROUP/VERSION[/watch]/RESOURCE[/NAME[/SUBRESOURCE]]        (cluster-scoped)

with one twist: `/api/v1/namespaces/NAME[/status|/finalize]` addresses the
Namespace itself. `RequestInfo` records group, version, namespace,
resource, name, subresource and the Kubernetes verb (get, list, watch,
create, update, patch, delete, deletecollection) that authorization, metrics
and dispatch all speak in.
"""

from __future__ import annotations

from dataclasses import dataclass

NAMESPACE_SUBRESOURCES = frozenset({"status", "finalize"})


@dataclass(frozen=True, slots=True)
class RequestInfo:
    is_resource: bool
    path: str
    verb: str  # Kubernetes verb for resources, lowercased HTTP method otherwise
    group: str = ""
    version: str = ""
    namespace: str = ""
    resource: str = ""
    name: str = ""
    subresource: str = ""


def parse(method: str, path: str, query_watch: bool) -> RequestInfo:
    parts = [p for p in path.split("/") if p]
    non_resource = RequestInfo(False, path, method.lower())
    if not parts or parts[0] not in ("api", "apis"):
        return non_resource
    if parts[0] == "api":
        if len(parts) < 2:
            return non_resource
        group, version, rest = "", parts[1], parts[2:]
    else:
        if len(parts) < 3:
            return non_resource
        group, version, rest = parts[1], parts[2], parts[3:]
    if not rest:
        return non_resource

    watch_path = rest[0] == "watch"
    if watch_path:
        rest = rest[1:]
    namespace = ""
    if rest and rest[0] == "namespaces" and len(rest) > 1:
        namespace = rest[1]
        if len(rest) > 2 and rest[2] not in NAMESPACE_SUBRESOURCES:
            rest = rest[2:]
    if not rest:
        return non_resource
    resource = rest[0]
    name = rest[1] if len(rest) > 1 else ""
    subresource = rest[2] if len(rest) > 2 else ""
    if len(rest) > 3 and subresource != "proxy":
        return non_resource

    if method == "GET" or method == "HEAD":
        if watch_path or (query_watch and not subresource):
            verb = "watch"
        else:
            verb = "get" if name else "list"
    elif method == "POST":
        verb = "create"
    elif method == "PUT":
        verb = "update"
    elif method == "PATCH":
        verb = "patch"
    elif method == "DELETE":
        verb = "delete" if name else "deletecollection"
    else:
        verb = method.lower()
    return RequestInfo(True, path, verb, group, version, namespace, resource, name, subresource)
