"""The type declarations: spot checks of interface facts, and their internal consistency."""

from __future__ import annotations

from typing import Any

import kubernetes.client.models as client_models
import pytest

from pyk8s.api.types import (
    GVK,
    ListOf,
    MapOf,
    Ref,
    Struct,
    all_structs,
    item_struct,
    kind_schema,
    struct,
)
from pyk8s.api.types._dsl import (
    BYTES,
    FIELDS_V1,
    INT32,
    INT64,
    INT_OR_STRING,
    MICRO_TIME,
    QUANTITY,
    RAW_EXTENSION,
    STRING,
    TIME,
    Field,
    Package,
)

CORE = "io.k8s.api.core.v1"
META = "io.k8s.apimachinery.pkg.apis.meta.v1"


def field(name: str, path: str) -> Field:
    """The field at a dotted JSON path below a struct."""
    s = struct(name)
    *parents, last = path.split(".")
    for p in parents:
        f = s.field(p)
        assert f is not None, p
        nested = item_struct(f.type)
        assert nested is not None, p
        s = nested
    f = s.field(last)
    assert f is not None, f"{s.name} has no {last}"
    return f


# ---------------------------------------------------------------------------
# Protobuf numbers

@pytest.mark.parametrize(("name", "path", "number"), [
    (f"{META}.ObjectMeta", "name", 1),
    (f"{META}.ObjectMeta", "generateName", 2),
    (f"{META}.ObjectMeta", "namespace", 3),
    (f"{META}.ObjectMeta", "uid", 5),
    (f"{META}.ObjectMeta", "resourceVersion", 6),
    (f"{META}.ObjectMeta", "generation", 7),
    (f"{META}.ObjectMeta", "creationTimestamp", 8),
    (f"{META}.ObjectMeta", "labels", 11),
    (f"{META}.ObjectMeta", "annotations", 12),
    (f"{META}.ObjectMeta", "ownerReferences", 13),
    (f"{META}.ObjectMeta", "finalizers", 14),
    (f"{META}.ObjectMeta", "managedFields", 17),
    (f"{META}.ListMeta", "resourceVersion", 2),
    (f"{META}.ListMeta", "continue", 3),
    (f"{CORE}.Pod", "metadata", 1),
    (f"{CORE}.Pod", "spec", 2),
    (f"{CORE}.Pod", "status", 3),
    (f"{CORE}.PodSpec", "volumes", 1),
    (f"{CORE}.PodSpec", "containers", 2),
    (f"{CORE}.PodSpec", "initContainers", 20),
    (f"{CORE}.PodSpec", "tolerations", 22),
    (f"{CORE}.Container", "name", 1),
    (f"{CORE}.Container", "image", 2),
    (f"{CORE}.Container", "ports", 6),
    (f"{CORE}.Container", "env", 7),
    (f"{CORE}.Container", "envFrom", 19),
    (f"{CORE}.Container", "startupProbe", 22),
    (f"{CORE}.ServicePort", "port", 3),
    (f"{CORE}.ServicePort", "targetPort", 4),
    (f"{CORE}.ConfigMap", "data", 2),
    (f"{CORE}.Secret", "type", 3),
    ("io.k8s.api.apps.v1.Deployment", "spec", 2),
    ("io.k8s.api.apps.v1.Deployment", "status", 3),
    ("io.k8s.api.apps.v1.DeploymentSpec", "template", 3),
    ("io.k8s.api.apps.v1.DeploymentSpec", "strategy", 4),
    ("io.k8s.api.batch.v1.JobSpec", "backoffLimit", 7),
    ("io.k8s.api.coordination.v1.LeaseSpec", "renewTime", 4),
])
def test_protobuf_numbers(name: str, path: str, number: int) -> None:
    assert field(name, path).number == number


def test_inline_structs_are_nested_messages_in_protobuf() -> None:
    volume = struct(f"{CORE}.Volume")
    inline = [f for f in volume.fields if f.inline]
    assert [(f.name, f.number) for f in inline] == [("volumeSource", 2)]
    # ... while in JSON their members sit directly in the parent.
    assert volume.field("configMap") is not None
    assert volume.field("volumeSource") is None
    assert struct(f"{CORE}.VolumeSource").embedded
    assert [f.number for f in struct(f"{CORE}.Probe").fields if f.inline] == [1]
    assert field(f"{CORE}.Probe", "httpGet").type == Ref(f"{CORE}.HTTPGetAction")
    eph = struct(f"{CORE}.EphemeralContainer")
    assert eph.field("image") is not None and eph.field("targetContainerName") is not None


def test_protobuf_name_quirk() -> None:
    f = field("io.k8s.api.networking.v1.IngressClassParametersReference", "apiGroup")
    assert f.proto_name == "aPIGroup"


def test_type_meta_members_have_no_protobuf_number() -> None:
    pod = kind_schema("", "v1", "Pod")
    assert pod is not None
    assert [(f.name, f.number) for f in pod.fields[:2]] == [("apiVersion", None), ("kind", None)]


# ---------------------------------------------------------------------------
# JSON names and types

@pytest.mark.parametrize(("name", "path", "type_"), [
    (f"{META}.ObjectMeta", "creationTimestamp", TIME),
    (f"{META}.ObjectMeta", "generation", INT64),
    (f"{META}.ObjectMeta", "labels", MapOf(STRING)),
    (f"{META}.ManagedFieldsEntry", "fieldsV1", FIELDS_V1),
    (f"{CORE}.Container", "resources.limits", MapOf(QUANTITY)),
    (f"{CORE}.Container", "ports.containerPort", INT32),
    (f"{CORE}.ServicePort", "targetPort", INT_OR_STRING),
    (f"{CORE}.Secret", "data", MapOf(BYTES)),
    (f"{CORE}.PodSpec", "nodeSelector", MapOf(STRING, "atomic")),
    (f"{CORE}.PodSpec", "tolerations", ListOf(Ref(f"{CORE}.Toleration"), "atomic")),
    (f"{CORE}.Container", "command", ListOf(STRING, "atomic")),
    (f"{CORE}.Container", "ports",
     ListOf(Ref(f"{CORE}.ContainerPort"), "map", ("containerPort", "protocol"))),
    (f"{CORE}.ServiceSpec", "ports",
     ListOf(Ref(f"{CORE}.ServicePort"), "map", ("port", "protocol"))),
    (f"{META}.ObjectMeta", "finalizers", ListOf(STRING, "set")),
    ("io.k8s.api.apps.v1.ControllerRevision", "data", RAW_EXTENSION),
    ("io.k8s.api.coordination.v1.LeaseSpec", "renewTime", MICRO_TIME),
    ("io.k8s.api.apps.v1.RollingUpdateDeployment", "maxSurge", INT_OR_STRING),
])
def test_field_types(name: str, path: str, type_: object) -> None:
    assert field(name, path).type == type_


def test_json_names_that_are_not_camel_case() -> None:
    assert field(f"{CORE}.DaemonEndpoint", "Port").type == INT32
    assert field(f"{META}.ListMeta", "continue").type == STRING


def test_required_and_enums() -> None:
    assert field(f"{CORE}.Container", "name").required
    assert not field(f"{CORE}.Container", "image").required
    assert field(f"{CORE}.PodSpec", "containers").required
    assert field("io.k8s.api.apps.v1.DeploymentSpec", "selector").required
    assert set(field(f"{CORE}.Container", "imagePullPolicy").enum) == {
        "Always", "IfNotPresent", "Never"}
    assert field(f"{CORE}.ServiceSpec", "type").enum == (
        "ClusterIP", "NodePort", "LoadBalancer", "ExternalName")
    assert "RollingUpdate" in field("io.k8s.api.apps.v1.DeploymentStrategy", "type").enum


def test_keep_zero_marks_optional_scalars_whose_zero_value_counts() -> None:
    assert field("io.k8s.api.apps.v1.DeploymentSpec", "replicas").keep_zero
    assert field(f"{CORE}.ConfigMap", "immutable").keep_zero
    assert field(f"{CORE}.PodSpec", "terminationGracePeriodSeconds").keep_zero
    assert not field(f"{CORE}.PodSpec", "hostNetwork").keep_zero
    assert not field(f"{CORE}.Container", "image").keep_zero
    assert not field("io.k8s.api.apps.v1.DeploymentSpec", "minReadySeconds").keep_zero
    with pytest.raises(ValueError, match="keep_zero"):
        Field("x", ListOf(STRING), 1, "X.", keep_zero=True)


def test_atomic_structs() -> None:
    assert struct(f"{META}.LabelSelector").atomic
    assert struct(f"{CORE}.LocalObjectReference").atomic
    assert not struct(f"{CORE}.Container").atomic


# ---------------------------------------------------------------------------
# Patch strategies and merge keys

@pytest.mark.parametrize(("name", "path", "strategy", "key"), [
    (f"{CORE}.PodSpec", "containers", "merge", "name"),
    (f"{CORE}.PodSpec", "initContainers", "merge", "name"),
    (f"{CORE}.PodSpec", "volumes", "merge,retainKeys", "name"),
    (f"{CORE}.PodSpec", "imagePullSecrets", "merge", "name"),
    (f"{CORE}.PodSpec", "tolerations", None, None),
    (f"{CORE}.PodSpec", "topologySpreadConstraints", "merge", "topologyKey"),
    (f"{CORE}.Container", "ports", "merge", "containerPort"),
    (f"{CORE}.Container", "env", "merge", "name"),
    (f"{CORE}.Container", "volumeMounts", "merge", "mountPath"),
    (f"{CORE}.Container", "args", None, None),
    (f"{CORE}.ServiceSpec", "ports", "merge", "port"),
    (f"{META}.ObjectMeta", "finalizers", "merge", None),
    (f"{META}.ObjectMeta", "ownerReferences", "merge", "uid"),
    (f"{CORE}.PodStatus", "conditions", "merge", "type"),
    (f"{CORE}.NodeStatus", "conditions", "merge", "type"),
    ("io.k8s.api.apps.v1.DeploymentStatus", "conditions", "merge", "type"),
    ("io.k8s.api.apps.v1.DeploymentSpec", "strategy", "retainKeys", None),
    ("io.k8s.api.policy.v1.PodDisruptionBudgetSpec", "selector", "replace", None),
])
def test_patch_strategies(name: str, path: str, strategy: str | None, key: str | None) -> None:
    f = field(name, path)
    assert (f.strategy, f.merge_key) == (strategy, key)


# ---------------------------------------------------------------------------
# Kinds

KINDS = [
    ("", "v1", k) for k in (
        "Namespace", "Pod", "Service", "Endpoints", "ConfigMap", "Secret", "Node", "Event",
        "ServiceAccount", "PersistentVolume", "PersistentVolumeClaim", "ResourceQuota",
        "LimitRange", "ReplicationController", "PodTemplate", "Binding")
] + [
    ("apps", "v1", k)
    for k in ("Deployment", "ReplicaSet", "DaemonSet", "StatefulSet", "ControllerRevision")
] + [
    ("batch", "v1", "Job"), ("batch", "v1", "CronJob"),
    ("autoscaling", "v1", "HorizontalPodAutoscaler"), ("autoscaling", "v1", "Scale"),
    ("autoscaling", "v2", "HorizontalPodAutoscaler"),
    ("networking.k8s.io", "v1", "Ingress"), ("networking.k8s.io", "v1", "IngressClass"),
    ("networking.k8s.io", "v1", "NetworkPolicy"), ("coordination.k8s.io", "v1", "Lease"),
    ("discovery.k8s.io", "v1", "EndpointSlice"), ("storage.k8s.io", "v1", "StorageClass"),
    ("rbac.authorization.k8s.io", "v1", "Role"), ("rbac.authorization.k8s.io", "v1", "ClusterRole"),
    ("rbac.authorization.k8s.io", "v1", "RoleBinding"),
    ("rbac.authorization.k8s.io", "v1", "ClusterRoleBinding"),
    ("events.k8s.io", "v1", "Event"), ("policy", "v1", "PodDisruptionBudget"),
    ("policy", "v1", "Eviction"), ("scheduling.k8s.io", "v1", "PriorityClass"),
    ("", "v1", "Status"), ("", "v1", "DeleteOptions"),
]


@pytest.mark.parametrize(("group", "version", "kind"), KINDS)
def test_every_kind_is_declared(group: str, version: str, kind: str) -> None:
    s = kind_schema(group, version, kind)
    assert s is not None
    assert s.gvk == GVK(group, version, kind)
    assert s.field("apiVersion") is not None and s.field("kind") is not None


def test_kind_names_and_lists() -> None:
    dep = kind_schema("apps", "v1", "Deployment")
    assert dep is not None and dep.name == "io.k8s.api.apps.v1.Deployment"
    assert dep.gvk is not None and dep.gvk.api_version == "apps/v1"
    lst = kind_schema("apps", "v1", "DeploymentList")
    assert lst is not None
    assert field(lst.name, "items").type == ListOf(Ref(dep.name))
    assert field(lst.name, "metadata").number == 1
    assert kind_schema("", "v1", "BindingList") is None
    assert kind_schema("example.com", "v1", "Widget") is None
    hpa1 = kind_schema("autoscaling", "v1", "HorizontalPodAutoscaler")
    hpa2 = kind_schema("autoscaling", "v2", "HorizontalPodAutoscaler")
    assert hpa1 is not None and hpa2 is not None and hpa1 is not hpa2
    core_event = kind_schema("", "v1", "Event")
    assert core_event is not None and core_event.name == f"{CORE}.Event"


# ---------------------------------------------------------------------------
# Consistency of the whole registry

STRUCTS = list(all_structs())


def _refs(t: object) -> list[str]:
    if isinstance(t, Ref):
        return [t.name]
    if isinstance(t, ListOf):
        return _refs(t.item)
    if isinstance(t, MapOf):
        return _refs(t.value)
    return []


@pytest.mark.parametrize("s", STRUCTS, ids=lambda s: s.name)
def test_struct_is_consistent(s: Struct) -> None:
    assert s.doc and s.doc.endswith(".")
    names = [f.name for f in s.fields]
    assert len(names) == len(set(names)), "duplicate member"
    numbers = [f.number for f in s.fields if f.number is not None]
    assert len(numbers) == len(set(numbers)), "duplicate protobuf number"
    assert len(s.json_fields()) == len({f.name for f in s.json_fields().values()})
    for f in s.fields:
        assert f.doc and f.doc.endswith("."), f.name
        assert f.number is not None or f.name in ("apiVersion", "kind"), f.name
        for r in _refs(f.type):
            struct(r)  # resolves
        if isinstance(f.type, ListOf) and f.type.list_type == "map":
            item = item_struct(f.type)
            assert item is not None
            for k in f.type.keys:
                assert item.field(k) is not None, (f.name, k)
        if f.merge_key:
            item = item_struct(f.type)
            assert isinstance(f.type, ListOf) and item is not None
            assert item.field(f.merge_key) is not None, f.name
    if s.gvk is not None:
        assert s.field("apiVersion") is not None


def _client_model(s: Struct) -> Any:
    *_, group, version, _ = s.name.split(".")
    for candidate in (f"{version.capitalize()}{s.short_name}",
                      f"{group.capitalize()}{version.capitalize()}{s.short_name}"):
        model = getattr(client_models, candidate, None)
        if model is not None:
            return model
    return None


# The kubernetes client has no models for metrics.k8s.io (metrics-server's API).
@pytest.mark.parametrize("s", [s for s in STRUCTS if not s.embedded
                               and not s.name.startswith("io.k8s.metrics.")],
                         ids=lambda s: s.name)
def test_json_names_match_the_python_client(s: Struct) -> None:
    """Every member we declare exists, under the same JSON name, in the kubernetes client."""
    model = _client_model(s)
    assert model is not None
    assert set(s.json_fields()) <= set(model.attribute_map.values())


def test_duplicate_declaration_is_refused() -> None:
    with pytest.raises(ValueError, match="declared twice"):
        Package(CORE).struct("Pod", "Again.", [])


def test_merge_key_needs_merge_strategy() -> None:
    with pytest.raises(ValueError, match="merge strategy"):
        Field("x", ListOf(STRING), 1, "X.", merge_key="name")
    with pytest.raises(ValueError, match="list-map keys"):
        ListOf(STRING, "map")
