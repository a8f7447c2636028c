"""Which resource a request is for: `Resource` and the table of known ones.

The client addresses resources the way Kubernetes URLs do, by API version
(`v1`, `apps/v1`) and plural (`pods`, `deployments`). A `Resource` adds what
that pair does not say: the kind and whether objects live in a namespace.
The client uses it to build paths (core group under `/api/v1`, every other
group under `/apis/GROUP/VERSION`) and to catch a missing or superfluous
namespace before a request is sent.

`BUILTIN` lists the built-in resources the control plane's components use.
Anything else (a custom resource, a less common built-in) is declared once
per process with `register(Resource(...))` before it is used.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote


class UnknownResourceError(LookupError):
    """No `Resource` is declared for this (api_version, plural)."""


@dataclass(frozen=True, slots=True)
class Resource:
    group: str  # "" for the core group
    version: str
    plural: str
    kind: str
    namespaced: bool = True

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    def path(self, namespace: str | None = None, name: str | None = None,
             subresource: str | None = None) -> str:
        """The URL path of the collection, one object, or one of its subresources.

        A namespaced resource without a namespace is the all-namespaces
        collection (list and watch only); "" means the same as None.
        """
        namespace = namespace or None
        if self.namespaced and namespace is None and name is not None:
            raise ValueError(f"{self.plural} are namespaced: a namespace is needed for "
                             f"{name!r}")
        if not self.namespaced and namespace is not None:
            raise ValueError(f"{self.plural} are not namespaced; got namespace {namespace!r}")
        if subresource is not None and name is None:
            raise ValueError("a subresource needs an object name")
        parts = ["/api/v1" if not self.group else f"/apis/{self.group}/{self.version}"]
        if namespace is not None:
            parts += ["namespaces", quote(namespace, safe="")]
        parts.append(self.plural)
        if name is not None:
            parts.append(quote(name, safe=""))
        if subresource is not None:
            parts.append(subresource)
        return "/".join(parts)


BUILTIN: tuple[Resource, ...] = (
    Resource("", "v1", "pods", "Pod"),
    Resource("", "v1", "nodes", "Node", namespaced=False),
    Resource("", "v1", "services", "Service"),
    Resource("", "v1", "endpoints", "Endpoints"),
    Resource("", "v1", "namespaces", "Namespace", namespaced=False),
    Resource("", "v1", "events", "Event"),
    Resource("", "v1", "replicationcontrollers", "ReplicationController"),
    Resource("", "v1", "serviceaccounts", "ServiceAccount"),
    Resource("", "v1", "configmaps", "ConfigMap"),
    Resource("", "v1", "secrets", "Secret"),
    Resource("", "v1", "persistentvolumes", "PersistentVolume", namespaced=False),
    Resource("", "v1", "persistentvolumeclaims", "PersistentVolumeClaim"),
    Resource("discovery.k8s.io", "v1", "endpointslices", "EndpointSlice"),
    Resource("coordination.k8s.io", "v1", "leases", "Lease"),
    Resource("apps", "v1", "deployments", "Deployment"),
    Resource("apps", "v1", "replicasets", "ReplicaSet"),
    Resource("apps", "v1", "daemonsets", "DaemonSet"),
    Resource("apps", "v1", "statefulsets", "StatefulSet"),
    Resource("apps", "v1", "controllerrevisions", "ControllerRevision"),
    Resource("batch", "v1", "jobs", "Job"),
    Resource("batch", "v1", "cronjobs", "CronJob"),
    Resource("autoscaling", "v2", "horizontalpodautoscalers", "HorizontalPodAutoscaler"),
    Resource("autoscaling", "v1", "horizontalpodautoscalers", "HorizontalPodAutoscaler"),
    Resource("policy", "v1", "poddisruptionbudgets", "PodDisruptionBudget"),
    Resource("scheduling.k8s.io", "v1", "priorityclasses", "PriorityClass", namespaced=False),
)

_table: dict[tuple[str, str], Resource] = {(r.api_version, r.plural): r for r in BUILTIN}


def register(resource: Resource) -> None:
    """Declare a resource not in `BUILTIN` (e.g. a custom resource), once per process."""
    _table[(resource.api_version, resource.plural)] = resource


def lookup(api_version: str, plural: str) -> Resource:
    try:
        return _table[(api_version, plural)]
    except KeyError:
        raise UnknownResourceError(
            f"unknown resource {plural!r} in {api_version!r}: declare it with "
            f"pyk8s.client.register(Resource(...))") from None
