"""Built-in resource declarations: names, defaults, validation, printing, conversions."""

from __future__ import annotations

import copy
import datetime
from typing import Any

import pytest

from pyk8s.api.errors import Cause
from pyk8s.api.registry import builtin
from pyk8s.api.resource import ResourceType
from pyk8s.api.resources import ALL, NAME_RULES, apps, autoscaling, batch, core, events
from pyk8s.api.resources._cron import schedule_error
from pyk8s.api.resources._quantity import parse_quantity
from pyk8s.api.tables import columns_of, table

Obj = dict[str, Any]


def ago(seconds: int) -> str:
    t = datetime.datetime.now(datetime.UTC) - datetime.timedelta(seconds=seconds)
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def causes(items: list[Cause]) -> list[tuple[str, str]]:
    return [(c.field, c.message) for c in items]


def row(r: ResourceType, obj: Obj) -> dict[str, Any]:
    """Column name -> cell, as the server's Table shows them (wide columns included)."""
    t = table(r, [obj], resource_version="1")
    names = [c["name"] for c in t["columnDefinitions"]]
    return dict(zip(names, t["rows"][0]["cells"], strict=True))


def pod_template(labels: Obj | None = None, **spec: Any) -> Obj:
    return {"metadata": {"labels": labels or {"app": "web"}},
            "spec": {"containers": [{"name": "app", "image": "nginx:1.27"}], **spec}}


def deployment(**spec: Any) -> Obj:
    return {"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web", "namespace": "default"},
            "spec": {"selector": {"matchLabels": {"app": "web"}}, "template": pod_template(),
                     **spec}}


def defaulted(r: ResourceType, obj: Obj) -> Obj:
    assert r.default is not None
    obj = copy.deepcopy(obj)
    r.default(obj)
    return obj


def invalid(r: ResourceType, obj: Obj) -> list[tuple[str, str]]:
    assert r.validate is not None
    return causes(r.validate(obj))


# Registration ----------------------------------------------------------------------


# (group/version, plural, kind, short names, namespaced, categories) as `kubectl
# api-resources` lists them for Kubernetes 1.32.
API_RESOURCES = [
    ("v1", "bindings", "Binding", (), True, ()),
    ("v1", "configmaps", "ConfigMap", ("cm",), True, ()),
    ("v1", "endpoints", "Endpoints", ("ep",), True, ()),
    ("v1", "events", "Event", ("ev",), True, ()),
    ("v1", "limitranges", "LimitRange", ("limits",), True, ()),
    ("v1", "namespaces", "Namespace", ("ns",), False, ()),
    ("v1", "nodes", "Node", ("no",), False, ()),
    ("v1", "persistentvolumeclaims", "PersistentVolumeClaim", ("pvc",), True, ()),
    ("v1", "persistentvolumes", "PersistentVolume", ("pv",), False, ()),
    ("v1", "pods", "Pod", ("po",), True, ("all",)),
    ("v1", "podtemplates", "PodTemplate", (), True, ()),
    ("v1", "replicationcontrollers", "ReplicationController", ("rc",), True, ("all",)),
    ("v1", "resourcequotas", "ResourceQuota", ("quota",), True, ()),
    ("v1", "secrets", "Secret", (), True, ()),
    ("v1", "serviceaccounts", "ServiceAccount", ("sa",), True, ()),
    ("v1", "services", "Service", ("svc",), True, ("all",)),
    ("apps/v1", "controllerrevisions", "ControllerRevision", (), True, ()),
    ("apps/v1", "daemonsets", "DaemonSet", ("ds",), True, ("all",)),
    ("apps/v1", "deployments", "Deployment", ("deploy",), True, ("all",)),
    ("apps/v1", "replicasets", "ReplicaSet", ("rs",), True, ("all",)),
    ("apps/v1", "statefulsets", "StatefulSet", ("sts",), True, ("all",)),
    ("authentication.k8s.io/v1", "selfsubjectreviews", "SelfSubjectReview", (), False, ()),
    ("authentication.k8s.io/v1", "tokenreviews", "TokenReview", (), False, ()),
    ("authorization.k8s.io/v1", "localsubjectaccessreviews", "LocalSubjectAccessReview", (),
     True, ()),
    ("authorization.k8s.io/v1", "selfsubjectaccessreviews", "SelfSubjectAccessReview", (),
     False, ()),
    ("authorization.k8s.io/v1", "selfsubjectrulesreviews", "SelfSubjectRulesReview", (),
     False, ()),
    ("authorization.k8s.io/v1", "subjectaccessreviews", "SubjectAccessReview", (), False, ()),
    ("autoscaling/v2", "horizontalpodautoscalers", "HorizontalPodAutoscaler", ("hpa",), True,
     ("all",)),
    ("autoscaling/v1", "horizontalpodautoscalers", "HorizontalPodAutoscaler", ("hpa",), True,
     ("all",)),
    ("batch/v1", "cronjobs", "CronJob", ("cj",), True, ("all",)),
    ("batch/v1", "jobs", "Job", (), True, ("all",)),
    ("coordination.k8s.io/v1", "leases", "Lease", (), True, ()),
    ("discovery.k8s.io/v1", "endpointslices", "EndpointSlice", (), True, ()),
    ("events.k8s.io/v1", "events", "Event", ("ev",), True, ()),
    ("networking.k8s.io/v1", "ingressclasses", "IngressClass", (), False, ()),
    ("networking.k8s.io/v1", "ingresses", "Ingress", ("ing",), True, ()),
    ("networking.k8s.io/v1", "networkpolicies", "NetworkPolicy", ("netpol",), True, ()),
    ("policy/v1", "poddisruptionbudgets", "PodDisruptionBudget", ("pdb",), True, ()),
    ("rbac.authorization.k8s.io/v1", "clusterrolebindings", "ClusterRoleBinding", (), False, ()),
    ("rbac.authorization.k8s.io/v1", "clusterroles", "ClusterRole", (), False, ()),
    ("rbac.authorization.k8s.io/v1", "rolebindings", "RoleBinding", (), True, ()),
    ("rbac.authorization.k8s.io/v1", "roles", "Role", (), True, ()),
    ("scheduling.k8s.io/v1", "priorityclasses", "PriorityClass", ("pc",), False, ()),
    ("storage.k8s.io/v1", "storageclasses", "StorageClass", ("sc",), False, ()),
    ("apiextensions.k8s.io/v1", "customresourcedefinitions", "CustomResourceDefinition",
     ("crd", "crds"), False, ("api-extensions",)),
    ("metrics.k8s.io/v1beta1", "nodes", "NodeMetrics", (), False, ()),
    ("metrics.k8s.io/v1beta1", "pods", "PodMetrics", (), True, ()),
]


def test_every_resource_is_registered_as_kubernetes_names_it() -> None:
    registry = builtin()
    for api_version, plural, kind, short, namespaced, categories in API_RESOURCES:
        group, _, version = api_version.rpartition("/")
        r = registry.lookup(group, version, plural)
        assert r is not None, (api_version, plural)
        assert (r.kind, r.short_names, r.namespaced, r.categories) == \
            (kind, short, namespaced, categories), plural
    assert len(ALL) == len(API_RESOURCES)


def test_discovery_order_core_first_then_group_priority_and_preferred_version() -> None:
    groups = builtin().groups()
    assert list(groups)[:7] == ["", "apps", "events.k8s.io", "authentication.k8s.io",
                                "authorization.k8s.io", "autoscaling", "batch"]
    assert groups["autoscaling"] == ["v2", "v1"]


def test_subresources_and_verbs() -> None:
    assert core.POD.subresources == ("attach", "binding", "ephemeralcontainers", "eviction",
                                     "exec", "log", "portforward", "proxy", "status")
    assert core.NAMESPACE.subresources == ("finalize", "status")
    assert core.SERVICEACCOUNT.subresources == ("token",)
    assert core.BINDING.verbs == ("create",)
    assert apps.DEPLOYMENT.scale is not None and core.REPLICATIONCONTROLLER.scale is not None
    assert apps.DAEMONSET.scale is None


def test_shared_storage_versions() -> None:
    registry = builtin()
    assert registry.hub(autoscaling.HPA_V1) is autoscaling.HPA_V2
    assert registry.hub(events.EVENT) is core.EVENT


def test_name_rules() -> None:
    assert NAME_RULES["namespaces"]("kube.system")
    assert NAME_RULES["services"]("1web")
    assert not NAME_RULES["roles.rbac.authorization.k8s.io"]("system:controller:job")
    assert NAME_RULES["clusterroles.rbac.authorization.k8s.io"]("a/b") == \
        ["may not contain '/'"]
    assert NAME_RULES["cronjobs.batch"]("x" * 53) == ["must be no more than 52 characters"]
    assert "pods" not in NAME_RULES


def test_column_headers() -> None:
    def headers(r: ResourceType, wide: bool = False) -> list[str]:
        return [c.name for c in columns_of(r) if wide or c.priority == 0]

    assert headers(core.POD) == ["Name", "Ready", "Status", "Restarts", "Age"]
    assert headers(core.POD, wide=True)[5:] == ["IP", "Node", "Nominated Node",
                                                "Readiness Gates"]
    assert headers(apps.DEPLOYMENT, wide=True) == [
        "Name", "Ready", "Up-to-date", "Available", "Age", "Containers", "Images", "Selector"]
    assert headers(core.SERVICE) == ["Name", "Type", "Cluster-IP", "External-IP", "Port(s)",
                                     "Age"]
    assert headers(batch.JOB) == ["Name", "Status", "Completions", "Duration", "Age"]
    assert headers(batch.CRONJOB) == ["Name", "Schedule", "Timezone", "Suspend", "Active",
                                      "Last Schedule", "Age"]
    assert headers(autoscaling.HPA_V1) == headers(autoscaling.HPA_V2) == [
        "Name", "Reference", "Targets", "MinPods", "MaxPods", "Replicas", "Age"]
    assert headers(core.PODTEMPLATE) == ["Name", "Containers", "Images", "Pod Labels"]


def test_cells_never_raise_on_partial_objects() -> None:
    bare = {"metadata": {"name": "x"}}
    broken = {**bare, "spec": "nonsense", "status": [], "data": 1, "subsets": {}}
    for r in ALL:
        for obj in (bare, broken):
            for c in columns_of(r):  # straight calls: the Table code would hide exceptions
                assert c.cell(obj) is not None, (r.kind, c.name)


# Defaults --------------------------------------------------------------------------------


def test_deployment_defaults() -> None:
    d = defaulted(apps.DEPLOYMENT, deployment())
    spec = d["spec"]
    assert spec["replicas"] == 1
    assert spec["strategy"] == {"type": "RollingUpdate",
                                "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"}}
    assert (spec["revisionHistoryLimit"], spec["progressDeadlineSeconds"]) == (10, 600)
    pod = spec["template"]["spec"]
    assert pod["restartPolicy"] == "Always"
    assert pod["dnsPolicy"] == "ClusterFirst"
    assert pod["terminationGracePeriodSeconds"] == 30
    assert pod["schedulerName"] == "default-scheduler"
    assert pod["securityContext"] == {}
    assert "enableServiceLinks" not in pod  # a Pod-only default
    container = pod["containers"][0]
    assert container["terminationMessagePath"] == "/dev/termination-log"
    assert container["terminationMessagePolicy"] == "File"
    assert container["imagePullPolicy"] == "IfNotPresent"
    assert container["resources"] == {}


def test_defaults_are_idempotent_and_keep_explicit_values() -> None:
    d = deployment(replicas=0, strategy={"type": "Recreate"})
    once = defaulted(apps.DEPLOYMENT, d)
    assert once["spec"]["replicas"] == 0
    assert once["spec"]["strategy"] == {"type": "Recreate"}
    assert defaulted(apps.DEPLOYMENT, once) == once


@pytest.mark.parametrize(("image", "policy"), [
    ("nginx", "Always"), ("nginx:latest", "Always"), ("nginx:1.27", "IfNotPresent"),
    ("localhost:5000/app", "Always"), ("localhost:5000/app:v1", "IfNotPresent"),
    ("nginx@sha256:abc", "IfNotPresent"),
])
def test_image_pull_policy_default(image: str, policy: str) -> None:
    pod = defaulted(core.POD, {"spec": {"containers": [{"name": "a", "image": image}]}})
    assert pod["spec"]["containers"][0]["imagePullPolicy"] == policy


def test_pod_defaults() -> None:
    pod = defaulted(core.POD, {"spec": {"containers": [{
        "name": "a", "image": "nginx", "ports": [{"containerPort": 80}],
        "resources": {"limits": {"cpu": "1"}},
        "readinessProbe": {"httpGet": {"port": 80}}}]}})
    spec = pod["spec"]
    assert (spec["enableServiceLinks"], spec["priority"]) == (True, 0)
    assert spec["serviceAccountName"] == spec["serviceAccount"] == "default"
    container = spec["containers"][0]
    assert container["ports"] == [{"containerPort": 80, "protocol": "TCP"}]
    assert container["resources"]["requests"] == {"cpu": "1"}
    assert container["readinessProbe"] == {
        "httpGet": {"port": 80, "path": "/", "scheme": "HTTP"}, "timeoutSeconds": 1,
        "periodSeconds": 10, "successThreshold": 1, "failureThreshold": 3}


def test_service_defaults() -> None:
    svc = defaulted(core.SERVICE, {"spec": {"ports": [{"port": 80}],
                                            "selector": {"app": "web"}}})
    spec = svc["spec"]
    assert spec["type"] == "ClusterIP"
    assert spec["sessionAffinity"] == "None"
    assert spec["ports"] == [{"port": 80, "protocol": "TCP", "targetPort": 80}]
    assert spec["internalTrafficPolicy"] == "Cluster"
    assert (spec["ipFamilies"], spec["ipFamilyPolicy"]) == (["IPv4"], "SingleStack")
    assert "externalTrafficPolicy" not in spec
    node_port = defaulted(core.SERVICE, {"spec": {"type": "NodePort", "ports": [{"port": 80}]}})
    assert node_port["spec"]["externalTrafficPolicy"] == "Cluster"
    external = defaulted(core.SERVICE, {"spec": {"type": "ExternalName",
                                                 "externalName": "example.com"}})
    assert "ipFamilies" not in external["spec"]


def test_job_defaults_generate_the_selector_from_the_uid() -> None:
    job: Obj = {"metadata": {"name": "pi", "namespace": "default", "uid": "1234"},
           "spec": {"template": {"spec": {"restartPolicy": "Never",
                                          "containers": [{"name": "pi", "image": "perl"}]}}}}
    job = defaulted(batch.JOB, job)
    spec = job["spec"]
    assert (spec["completions"], spec["parallelism"], spec["backoffLimit"]) == (1, 1, 6)
    assert (spec["completionMode"], spec["suspend"]) == ("NonIndexed", False)
    assert spec["podReplacementPolicy"] == "TerminatingOrFailed"
    assert spec["selector"] == {"matchLabels": {"batch.kubernetes.io/controller-uid": "1234"}}
    labels = spec["template"]["metadata"]["labels"]
    assert labels == {"batch.kubernetes.io/job-name": "pi", "job-name": "pi",
                      "batch.kubernetes.io/controller-uid": "1234", "controller-uid": "1234"}
    assert job["metadata"]["labels"] == labels
    assert spec["template"]["spec"]["restartPolicy"] == "Never"
    assert invalid(batch.JOB, job) == []


def test_statefulset_daemonset_cronjob_namespace_defaults() -> None:
    sts = defaulted(apps.STATEFULSET, {"spec": {"template": pod_template(),
                                                "volumeClaimTemplates": [{"spec": {}}]}})
    spec = sts["spec"]
    assert (spec["replicas"], spec["podManagementPolicy"]) == (1, "OrderedReady")
    assert spec["updateStrategy"] == {"type": "RollingUpdate", "rollingUpdate": {"partition": 0}}
    assert spec["persistentVolumeClaimRetentionPolicy"] == {"whenDeleted": "Retain",
                                                            "whenScaled": "Retain"}
    assert spec["volumeClaimTemplates"][0]["spec"]["volumeMode"] == "Filesystem"
    ds = defaulted(apps.DAEMONSET, {"spec": {"template": pod_template()}})
    assert ds["spec"]["updateStrategy"]["rollingUpdate"] == {"maxUnavailable": 1, "maxSurge": 0}
    cj = defaulted(batch.CRONJOB, {"spec": {"schedule": "@hourly"}})
    assert {k: cj["spec"][k] for k in ("concurrencyPolicy", "suspend",
                                       "successfulJobsHistoryLimit",
                                       "failedJobsHistoryLimit")} == \
        {"concurrencyPolicy": "Allow", "suspend": False, "successfulJobsHistoryLimit": 3,
         "failedJobsHistoryLimit": 1}
    ns = defaulted(core.NAMESPACE, {"metadata": {"name": "dev"}})
    assert ns["spec"] == {"finalizers": ["kubernetes"]}
    assert ns["status"] == {"phase": "Active"}
    assert ns["metadata"]["labels"] == {"kubernetes.io/metadata.name": "dev"}


def test_replication_controller_selector_defaults_to_template_labels() -> None:
    rc = defaulted(core.REPLICATIONCONTROLLER, {"metadata": {"name": "rc"},
                                                "spec": {"template": pod_template()}})
    assert rc["spec"]["selector"] == {"app": "web"}
    assert rc["metadata"]["labels"] == {"app": "web"}
    assert rc["spec"]["replicas"] == 1


# Validation ----------------------------------------------------------------------------------


def test_deployment_selector_must_match_template() -> None:
    d = defaulted(apps.DEPLOYMENT, deployment(template=pod_template({"app": "x"})))
    assert invalid(apps.DEPLOYMENT, d) == [(
        "spec.template.metadata.labels",
        'Invalid value: map[string]string{"app":"x"}: `selector` does not match template '
        "`labels`")]


def test_deployment_selector_required_and_non_empty() -> None:
    d = defaulted(apps.DEPLOYMENT, deployment())
    del d["spec"]["selector"]
    assert ("spec.selector", "Required value") in invalid(apps.DEPLOYMENT, d)
    d["spec"]["selector"] = {}
    assert ("spec.selector", "Invalid value: v1.LabelSelector{MatchLabels:map[string]string"
            "(nil), MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is "
            "invalid for deployment") in invalid(apps.DEPLOYMENT, d)


def test_workload_pods_must_restart_always() -> None:
    d = defaulted(apps.DEPLOYMENT, deployment(template=pod_template(restartPolicy="Never")))
    assert invalid(apps.DEPLOYMENT, d) == [
        ("spec.template.spec.restartPolicy",
         'Unsupported value: "Never": supported values: "Always"')]


def test_deployment_strategy_rules() -> None:
    d = defaulted(apps.DEPLOYMENT, deployment(
        strategy={"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 0,
                                                              "maxUnavailable": "0%"}}))
    assert invalid(apps.DEPLOYMENT, d) == [
        ("spec.strategy.rollingUpdate.maxUnavailable",
         "Invalid value: 0%: may not be 0 when `maxSurge` is 0")]
    d["spec"]["strategy"]["rollingUpdate"]["maxSurge"] = "lots"
    assert causes(apps.DEPLOYMENT.validate(d))[0][1].startswith(  # type: ignore[misc]
        "Invalid value: lots: a valid percent string must be")
    d["spec"]["strategy"] = {"type": "Blue"}
    assert invalid(apps.DEPLOYMENT, d) == [
        ("spec.strategy", 'Unsupported value: "Blue": supported values: "Recreate", '
         '"RollingUpdate"')]


def test_apps_selector_is_immutable() -> None:
    old = defaulted(apps.DEPLOYMENT, deployment())
    new = copy.deepcopy(old)
    new["spec"]["selector"] = {"matchLabels": {"app": "web", "tier": "fe"}}
    assert apps.DEPLOYMENT.validate_update is not None
    assert causes(apps.DEPLOYMENT.validate_update(new, old)) == [(
        "spec.selector", 'Invalid value: v1.LabelSelector{MatchLabels:map[string]string'
        '{"app":"web", "tier":"fe"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: '
        "field is immutable")]
    assert causes(apps.DEPLOYMENT.validate_update(old, old)) == []


def test_container_validation() -> None:
    pod = defaulted(core.POD, {"spec": {
        "volumes": [{"name": "data", "emptyDir": {}}, {"name": "data", "emptyDir": {},
                                                      "hostPath": {"path": "/"}}],
        "containers": [
            {"name": "App", "image": "", "ports": [{"containerPort": 70000, "protocol": "TCPX"}],
             "env": [{"name": "1BAD", "value": "x"}],
             "volumeMounts": [{"name": "missing", "mountPath": "/m"}]},
            {"name": "app2", "image": "nginx"}, {"name": "app2", "image": "nginx"}]}})
    found = invalid(core.POD, pod)
    assert ("spec.volumes[1].name", 'Duplicate value: "data"') in found
    assert ("spec.volumes[1].hostPath",
            "Forbidden: may not specify more than 1 volume type") in found
    assert ("spec.containers[0].image", "Required value") in found
    assert ("spec.containers[0].ports[0].containerPort",
            "Invalid value: 70000: must be between 1 and 65535, inclusive") in found
    assert ("spec.containers[0].ports[0].protocol",
            'Unsupported value: "TCPX": supported values: "SCTP", "TCP", "UDP"') in found
    assert ("spec.containers[0].volumeMounts[0].name", 'Not found: "missing"') in found
    assert ("spec.containers[2].name", 'Duplicate value: "app2"') in found
    assert any(f == "spec.containers[0].name" and "RFC 1123 label" in m for f, m in found)
    assert any(f == "spec.containers[0].env[0].name" and "environment variable" in m
               for f, m in found)


def test_pod_spec_is_immutable_except_images() -> None:
    old = defaulted(core.POD, {"spec": {"containers": [{"name": "a", "image": "nginx:1"}]}})
    new = copy.deepcopy(old)
    new["spec"]["containers"][0]["image"] = "nginx:2"
    new["spec"]["activeDeadlineSeconds"] = 30
    new["spec"]["tolerations"] = [{"key": "k", "operator": "Exists"}]
    assert core.POD.validate_update is not None
    assert core.POD.validate_update(new, old) == []
    new["spec"]["containers"][0]["env"] = [{"name": "A", "value": "b"}]
    [(field, message)] = causes(core.POD.validate_update(new, old))
    assert field == "spec"
    assert message.startswith("Forbidden: pod updates may not change fields other than "
                              "`spec.containers[*].image`")


def test_job_restart_policy() -> None:
    job = defaulted(batch.JOB, {"metadata": {"name": "j", "uid": "u"},
                                "spec": {"template": pod_template()}})
    assert invalid(batch.JOB, job) == [("spec.template.spec.restartPolicy",
                                        'Required value: valid values: "OnFailure", "Never"')]


def test_cronjob_schedule() -> None:
    cj = defaulted(batch.CRONJOB, {"spec": {"schedule": "61 * * * *", "jobTemplate": {
        "spec": {"template": pod_template(restartPolicy="OnFailure")}}}})
    assert invalid(batch.CRONJOB, cj) == [
        ("spec.schedule", 'Invalid value: "61 * * * *": end of range (61) above maximum '
         "(59): 61")]
    assert schedule_error("*/5 * * * *") is None
    assert schedule_error("0 9 * jan-mar mon-fri") is None
    assert schedule_error("@hourly") is None
    assert schedule_error("@every 1h30m") is None
    assert schedule_error("bad") == "expected exactly 5 fields, found 1: [bad]"
    assert schedule_error("@sometimes") == "unrecognized descriptor: @sometimes"
    assert schedule_error("x * * * *") == \
        'failed to parse int from x: strconv.Atoi: parsing "x": invalid syntax'


def test_service_validation() -> None:
    svc = defaulted(core.SERVICE, {"spec": {"type": "ClusterIP"}})
    assert invalid(core.SERVICE, svc) == [("spec.ports", "Required value")]
    svc = defaulted(core.SERVICE, {"spec": {"type": "Magic", "ports": [
        {"port": 80}, {"port": 0, "name": "b", "targetPort": "Not_A_Name"}]}})
    found = invalid(core.SERVICE, svc)
    assert ("spec.type", 'Unsupported value: "Magic": supported values: "ClusterIP", '
            '"ExternalName", "LoadBalancer", "NodePort"') in found
    assert ("spec.ports[0].name", "Required value") in found
    assert ("spec.ports[1].port",
            "Invalid value: 0: must be between 1 and 65535, inclusive") in found
    assert any(f == "spec.ports[1].targetPort" for f, _ in found)
    external = defaulted(core.SERVICE, {"spec": {"type": "ExternalName"}})
    assert invalid(core.SERVICE, external) == [("spec.externalName", "Required value")]


def test_service_cluster_ip_is_immutable() -> None:
    old = {"spec": {"clusterIP": "10.43.0.10"}}
    assert core.SERVICE.validate_update is not None
    assert causes(core.SERVICE.validate_update({"spec": {"clusterIP": "10.43.0.11"}}, old)) == [
        ("spec.clusterIPs[0]", 'Invalid value: []string{"10.43.0.11"}: may not change once set')]
    assert core.SERVICE.validate_update({"spec": {"clusterIP": "10.43.0.10"}}, old) == []
    assert core.SERVICE.validate_update({"spec": {"clusterIP": "10.43.0.10"}},
                                        {"spec": {}}) == []


def test_configmap_and_secret_validation() -> None:
    cm = {"data": {"a b": "x", "k": "v"}, "binaryData": {"k": "AAAA", "bin": "A!=="}}
    found = invalid(core.CONFIGMAP, cm)
    assert found[0][0] == "data[a b]" and "valid config key" in found[0][1]
    assert ("data[k]", 'Invalid value: "k": duplicate of key present in binaryData') in found
    assert ("binaryData[bin]",
            'Invalid value: "A!==": illegal base64 data at input byte 1') in found
    secret = defaulted(core.SECRET, {"data": {"token": "abc"}})
    assert secret["type"] == "Opaque"
    assert invalid(core.SECRET, secret) == [
        ("data[token]",
         'Invalid value: "<secret contents redacted>": illegal base64 data at input byte 0')]
    tls = {"type": "kubernetes.io/tls", "data": {"tls.crt": "QQ=="}}
    assert invalid(core.SECRET, tls) == [("data[tls.key]", "Required value")]
    assert invalid(core.SECRET, {"type": "kubernetes.io/service-account-token"}) == [
        ("metadata.annotations[kubernetes.io/service-account.name]", "Required value")]


def test_immutable_configmaps_and_secret_types() -> None:
    old = {"immutable": True, "data": {"a": "1"}}
    assert core.CONFIGMAP.validate_update is not None
    assert causes(core.CONFIGMAP.validate_update({"immutable": True, "data": {"a": "2"}},
                                                 old)) == [
        ("data", "Forbidden: field is immutable when `immutable` is set")]
    assert core.SECRET.validate_update is not None
    assert causes(core.SECRET.validate_update({"type": "kubernetes.io/tls"},
                                              {"type": "Opaque"})) == [
        ("type", 'Invalid value: "kubernetes.io/tls": field is immutable')]


def test_other_kinds_validation() -> None:
    hpa = {"spec": {"scaleTargetRef": {"kind": "Deployment", "name": "web"},
                    "minReplicas": 3, "maxReplicas": 2}}
    assert invalid(autoscaling.HPA_V2, hpa) == [
        ("spec.maxReplicas", "Invalid value: 2: must be greater than or equal to `minReplicas`")]
    registry = builtin()
    pdb = registry.lookup("policy", "v1", "poddisruptionbudgets")
    assert pdb is not None
    found = invalid(pdb, {"spec": {"minAvailable": 1, "maxUnavailable": "10%"}})
    assert found[0][0] == "spec" and found[0][1].endswith(
        "minAvailable and maxUnavailable cannot be both set")
    role = registry.lookup("rbac.authorization.k8s.io", "v1", "roles")
    assert role is not None
    assert invalid(role, {"rules": [{"apiGroups": [""], "resources": ["pods"]}]}) == [
        ("rules[0].verbs", "Required value: verbs must contain at least one value")]
    binding = registry.lookup("rbac.authorization.k8s.io", "v1", "rolebindings")
    assert binding is not None and binding.validate_update is not None
    ref = {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "a"}
    assert causes(binding.validate_update({"roleRef": {**ref, "name": "b"}}, {"roleRef": ref})) \
        == [("roleRef", 'Invalid value: rbac.RoleRef{APIGroup:"rbac.authorization.k8s.io", '
             'Kind:"Role", Name:"b"}: cannot change roleRef')]
    pc = registry.lookup("scheduling.k8s.io", "v1", "priorityclasses")
    assert pc is not None
    assert invalid(pc, {"metadata": {"name": "high"}, "value": 2_000_000_000}) == [
        ("value", "Forbidden: maximum allowed value of a user defined priority is 1000000000")]
    assert invalid(pc, {"metadata": {"name": "system-node-critical"},
                        "value": 2_000_001_000}) == []
    assert invalid(core.NODE, {"spec": {"podCIDR": "10.0.0.0/33"}}) == [
        ("spec.podCIDRs[0]", 'Invalid value: "10.0.0.0/33": must be a valid CIDR value, '
         "(e.g. 10.9.8.0/24 or 2001:db8::/64)")]
    assert invalid(core.EVENT, {"metadata": {"namespace": "default"}}) == [
        ("involvedObject", "Required value")]


def test_quantities() -> None:
    assert parse_quantity("1Gi") == parse_quantity("1024Mi") == parse_quantity(2**30)
    assert parse_quantity("500m") == parse_quantity("0.5")
    assert parse_quantity("1e3") == parse_quantity("1k")
    assert parse_quantity("abc") is None and parse_quantity("1.2.3") is None


# Printing ----------------------------------------------------------------------------------------


def pod(status: Obj, *, init: int = 0, deleting: bool = False) -> Obj:
    obj: Obj = {"metadata": {"name": "p", "creationTimestamp": ago(600)},
                "spec": {"containers": [{"name": "a"}, {"name": "b"}],
                         "initContainers": [{"name": f"i{n}"} for n in range(init)]},
                "status": status}
    if deleting:
        obj["metadata"]["deletionTimestamp"] = ago(1)
    return obj


def running(name: str, ready: bool = True, restarts: int = 0, **extra: Any) -> Obj:
    return {"name": name, "ready": ready, "restartCount": restarts,
            "state": {"running": {"startedAt": ago(60)}}, **extra}


def waiting(name: str, reason: str, restarts: int = 0, **extra: Any) -> Obj:
    return {"name": name, "ready": False, "restartCount": restarts,
            "state": {"waiting": {"reason": reason}}, **extra}


def pod_cells(obj: Obj) -> tuple[Any, Any, Any]:
    cells = row(core.POD, obj)
    return cells["Ready"], cells["Status"], cells["Restarts"]


def test_pod_printer_status_shapes() -> None:
    assert pod_cells(pod({})) == ("0/2", "", "0")
    assert pod_cells(pod({"phase": "Pending"})) == ("0/2", "Pending", "0")
    assert pod_cells(pod({"phase": "Running", "containerStatuses": [
        running("a"), running("b", ready=False)]})) == ("1/2", "Running", "0")
    assert pod_cells(pod({"phase": "Pending", "containerStatuses": [
        waiting("a", "ContainerCreating"), waiting("b", "ContainerCreating")]})) == \
        ("0/2", "ContainerCreating", "0")
    crash = waiting("a", "CrashLoopBackOff", restarts=2,
                    lastState={"terminated": {"exitCode": 1, "finishedAt": ago(300)}})
    assert pod_cells(pod({"phase": "Running", "containerStatuses": [crash, running("b")]})) == \
        ("1/2", "CrashLoopBackOff", "2 (5m ago)")
    done = {"name": "a", "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}}
    failed = {"name": "b", "state": {"terminated": {"exitCode": 2}}}
    assert pod_cells(pod({"phase": "Failed", "containerStatuses": [done, failed]}))[1] == \
        "Completed"
    assert pod_cells(pod({"phase": "Failed", "containerStatuses": [failed, done]}))[1] == \
        "ExitCode:2"
    assert pod_cells(pod({"phase": "Pending", "initContainerStatuses": [
        {"name": "i0", "state": {"running": {}}}]}, init=1))[1] == "Init:0/1"
    assert pod_cells(pod({"phase": "Pending", "initContainerStatuses": [
        waiting("i0", "ImagePullBackOff")]}, init=1))[1] == "Init:ImagePullBackOff"
    assert pod_cells(pod({"phase": "Running", "containerStatuses": [
        running("a"), running("b")]}, deleting=True)) == ("2/2", "Terminating", "0")


def test_pod_wide_cells() -> None:
    obj = pod({"phase": "Running", "podIPs": [{"ip": "10.42.0.5"}]})
    obj["spec"]["nodeName"] = "n1"
    obj["spec"]["readinessGates"] = [{"conditionType": "x"}]
    cells = row(core.POD, obj)
    assert (cells["IP"], cells["Node"], cells["Nominated Node"], cells["Readiness Gates"]) == \
        ("10.42.0.5", "n1", "<none>", "0/1")


def test_service_ports_and_addresses() -> None:
    svc: Obj = {"metadata": {"name": "s"}, "spec": {
        "type": "NodePort", "clusterIPs": ["10.43.0.7"], "selector": {"app": "web"},
        "ports": [{"port": 80, "nodePort": 30080, "protocol": "TCP"},
                  {"port": 53, "protocol": "UDP"}]}}
    cells = row(core.SERVICE, svc)
    assert (cells["Type"], cells["Cluster-IP"], cells["External-IP"], cells["Port(s)"],
            cells["Selector"]) == ("NodePort", "10.43.0.7", "<none>", "80:30080/TCP,53/UDP",
                                   "app=web")
    svc["spec"]["type"] = "LoadBalancer"
    assert row(core.SERVICE, svc)["External-IP"] == "<pending>"
    svc["status"] = {"loadBalancer": {"ingress": [{"ip": "1.2.3.4"}]}}
    assert row(core.SERVICE, svc)["External-IP"] == "1.2.3.4"
    assert row(core.SERVICE, {"metadata": {"name": "s"}, "spec": {}})["Port(s)"] == "<none>"


def test_other_printers() -> None:
    d = defaulted(apps.DEPLOYMENT, deployment(replicas=3))
    d["status"] = {"readyReplicas": 2, "updatedReplicas": 3, "availableReplicas": 2}
    cells = row(apps.DEPLOYMENT, d)
    assert (cells["Ready"], cells["Up-to-date"], cells["Available"], cells["Selector"]) == \
        ("2/3", 3, 2, "app=web")
    node = {"metadata": {"name": "n", "labels": {"node-role.kubernetes.io/control-plane": ""}},
            "spec": {"unschedulable": True},
            "status": {"conditions": [{"type": "Ready", "status": "True"}],
                       "nodeInfo": {"kubeletVersion": "v1.32.0"}}}
    cells = row(core.NODE, node)
    assert (cells["Status"], cells["Roles"], cells["Version"], cells["OS-Image"]) == \
        ("Ready,SchedulingDisabled", "control-plane", "v1.32.0", "<unknown>")
    event = {"metadata": {"name": "e"}, "type": "Warning", "reason": "BackOff",
             "involvedObject": {"kind": "Pod", "name": "web-1"}, "message": "back-off ",
             "lastTimestamp": ago(30)}
    cells = row(core.EVENT, event)
    assert (cells["Last Seen"], cells["Object"], cells["Message"], cells["Count"]) == \
        ("30s", "pod/web-1", "back-off", 1)
    job = {"metadata": {"name": "j"}, "spec": {"completions": 3},
           "status": {"succeeded": 1, "startTime": ago(100)}}
    cells = row(batch.JOB, job)
    assert (cells["Status"], cells["Completions"], cells["Duration"]) == ("Running", "1/3",
                                                                         "100s")
    assert row(core.SECRET, {"metadata": {"name": "s"}, "type": "Opaque",
                             "data": {"a": "", "b": ""}})["Data"] == 2
    assert row(core.NAMESPACE, {"metadata": {"name": "n"},
                                "status": {"phase": "Active"}})["Status"] == "Active"


def test_field_selectors_return_strings() -> None:
    p = {"spec": {"nodeName": "n1", "hostNetwork": True}, "status": {"phase": "Running"}}
    selectors = core.POD.field_selectors
    assert selectors["spec.nodeName"](p) == "n1"
    assert selectors["spec.hostNetwork"](p) == "true"
    assert selectors["status.podIP"](p) == ""
    assert core.NODE.field_selectors["spec.unschedulable"]({}) == "false"
    assert batch.JOB.field_selectors["status.successful"]({"status": {"succeeded": 2}}) == "2"
    event = {"involvedObject": {"name": "web"}, "source": {"component": "kubelet"}}
    assert core.EVENT.field_selectors["involvedObject.name"](event) == "web"
    assert core.EVENT.field_selectors["source"](event) == "kubelet"


# Conversions -------------------------------------------------------------------------------------


def test_hpa_v1_v2_round_trip() -> None:
    v1 = {"apiVersion": "autoscaling/v1", "kind": "HorizontalPodAutoscaler",
          "metadata": {"name": "web", "namespace": "default"},
          "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment",
                                      "name": "web"},
                   "minReplicas": 1, "maxReplicas": 5, "targetCPUUtilizationPercentage": 50},
          "status": {"currentReplicas": 2, "desiredReplicas": 2,
                     "currentCPUUtilizationPercentage": 40}}
    v2 = autoscaling.hpa_v1_to_v2(v1)
    assert v2["apiVersion"] == "autoscaling/v2"
    assert v2["spec"]["metrics"] == [{"type": "Resource", "resource": {
        "name": "cpu", "target": {"type": "Utilization", "averageUtilization": 50}}}]
    assert v2["status"]["currentMetrics"][0]["resource"]["current"] == {"averageUtilization": 40}
    assert autoscaling.hpa_v2_to_v1(v2) == v1
    assert row(autoscaling.HPA_V1, v1)["Targets"] == "cpu: 40%/50%"
    assert row(autoscaling.HPA_V2, v2)["Targets"] == "cpu: 40%/50%"


def test_hpa_v2_only_fields_survive_v1() -> None:
    memory = {"type": "Resource", "resource": {
        "name": "memory", "target": {"type": "AverageValue", "averageValue": "500Mi"}}}
    v2 = defaulted(autoscaling.HPA_V2, {
        "apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": "web"},
        "spec": {"scaleTargetRef": {"kind": "Deployment", "name": "web"}, "maxReplicas": 4,
                 "metrics": [autoscaling.cpu_metric(80), memory],
                 "behavior": {"scaleDown": {"stabilizationWindowSeconds": 60}}},
        "status": {"conditions": [{"type": "AbleToScale", "status": "True"}]}})
    v1 = autoscaling.hpa_v2_to_v1(v2)
    assert v1["spec"]["targetCPUUtilizationPercentage"] == 80
    assert "metrics" not in v1["spec"]
    assert set(v1["metadata"]["annotations"]) == {autoscaling.METRICS, autoscaling.CONDITIONS,
                                                  autoscaling.BEHAVIOR}
    assert autoscaling.hpa_v1_to_v2(v1) == v2


def test_core_event_and_events_k8s_io_round_trip() -> None:
    core_event = {
        "apiVersion": "v1", "kind": "Event",
        "metadata": {"name": "web.17", "namespace": "default"},
        "involvedObject": {"kind": "Pod", "name": "web", "namespace": "default"},
        "reason": "Pulled", "message": "Pulled image", "type": "Normal",
        "source": {"component": "kubelet", "host": "n1"},
        "firstTimestamp": "2024-01-01T00:00:00Z", "lastTimestamp": "2024-01-01T00:01:00Z",
        "count": 2, "reportingComponent": "kubelet", "reportingInstance": "n1",
    }
    new = events.from_core(core_event)
    assert new["apiVersion"] == "events.k8s.io/v1"
    assert (new["regarding"], new["note"], new["reportingController"]) == \
        (core_event["involvedObject"], "Pulled image", "kubelet")
    assert (new["deprecatedSource"], new["deprecatedCount"]) == (core_event["source"], 2)
    assert new["deprecatedFirstTimestamp"] == "2024-01-01T00:00:00Z"
    assert events.to_core(new) == core_event
    series = {"apiVersion": "events.k8s.io/v1", "kind": "Event", "metadata": {"name": "e"},
              "eventTime": "2024-01-01T00:00:00.000000Z", "action": "Scheduling",
              "series": {"count": 3, "lastObservedTime": "2024-01-01T00:00:05.000000Z"},
              "regarding": {"kind": "Pod", "name": "web"}, "note": "x"}
    assert events.from_core(events.to_core(series)) == series
    assert row(events.EVENT, series)["Count"] == 3
    assert events.EVENT.field_selectors["regarding.name"](events.to_core(series)) == "web"
