"""core/v1 (the legacy "" group): Pod and everything a PodSpec holds, Service,
Endpoints, ConfigMap, Secret, Node, Event, ServiceAccount, PersistentVolume(Claim),
ResourceQuota, LimitRange, ReplicationController, PodTemplate and Binding.

Declared in the vocabulary of `pyk8s.api.types._dsl`; facts (JSON names, protobuf
numbers, list and patch semantics, required members) follow Kubernetes 1.32, the
descriptions are our own. Members are listed in Kubernetes' declaration order.

Rare, deprecated and alpha members are left out: the in-tree cloud and
network-filesystem volume plugins other than NFS, dynamic resource allocation
(resource claims), in-place resize, container user reporting, SELinux change
policy, dynamic kubelet configuration, node features and runtime handlers,
volume attributes classes, image volumes and cluster trust bundle projections.
"""

from __future__ import annotations

from pyk8s.api.types import meta_v1
from pyk8s.api.types._dsl import (
    BOOLEAN,
    BYTES,
    INT32,
    INT64,
    INT_OR_STRING,
    MICRO_TIME,
    QUANTITY,
    STRING,
    TIME,
    Field,
    ListOf,
    MapOf,
    Package,
)

PKG = Package("io.k8s.api.core.v1", "", "v1")
_ref = PKG.ref
_meta = meta_v1.PKG.ref

HOST_PATH_TYPE = (
    "", "DirectoryOrCreate", "Directory", "FileOrCreate", "File", "Socket", "CharDevice",
    "BlockDevice",
)
RESOURCE_QUOTA_SCOPE = (
    "Terminating", "NotTerminating", "BestEffort", "NotBestEffort", "PriorityClass",
    "CrossNamespacePodAffinity",
)


PKG.kind("Namespace",
         "A scope for names; most namespaced objects live in exactly one namespace.", [
    Field("metadata", _meta("ObjectMeta"), 1,
          "Standard object metadata: name, namespace, labels, annotations and the like."),
    Field("spec", _ref("NamespaceSpec"), 2, "Desired state, as written by the user."),
    Field("status", _ref("NamespaceStatus"), 3,
          "Most recently observed state, written by the system; read-only for users."),
])

PKG.kind("Pod",
         "A group of containers scheduled together onto one node, sharing network and storage.", [
    Field("metadata", _meta("ObjectMeta"), 1,
          "Standard object metadata: name, namespace, labels, annotations and the like."),
    Field("spec", _ref("PodSpec"), 2, "Desired state, as written by the user."),
    Field("status", _ref("PodStatus"), 3,
          "Most recently observed state, written by the system; read-only for users."),
])

PKG.kind("Service", "A stable network endpoint in front of a set of pods.", [
    Field("metadata", _meta("ObjectMeta"), 1,
          "Standard object metadata: name, namespace, labels, annotations and the like."),
    Field("spec", _ref("ServiceSpec"), 2, "Desired state, as written by the user."),
    Field("status", _ref("ServiceStatus"), 3,
          "Most recently observed state, written by the system; read-only for users."),
])

PKG.kind("Endpoints", "The addresses that implement a service.", [
    Field("metadata", _meta("ObjectMeta"), 1,
          "Standard object metadata: name, namespace, labels, annotations and the like."),
    Field("subsets", ListOf(_ref("EndpointSubset"), "atomic"), 2,
          "Groups of addresses sharing the same ports."),
])

PKG.kind("ConfigMap", "Non-confidential configuration data as key-value pairs.", [
    Field("metadata", _meta("ObjectMeta"), 1,
          "Standard object metadata: name, namespace, labels, annotations and the like."),
    Field("immutable", BOOLEAN, 4, "Once true, data cannot change; only deletion is allowed.",
          keep_zero=True),
    Field("data", MapOf(STRING), 2, "UTF-8 string values by key."),
    Field("binaryData", MapOf(BYTES), 3, "Binary values by key."),
])

PKG.kind("Secret", "Confidential data, such as passwords, tokens and keys.", [
    Field("metadata", _meta("ObjectMeta"), 1,
          "Standard object metadata: name, namespace, labels, annotations and the like."),
    Field("immutable", BOOLEAN, 5, "Once true, data cannot change; only deletion is allowed.",
          keep_zero=True),
    Field("data", MapOf(BYTES), 2, "Values by key, base64-encoded in JSON."),
    Field("stringData", MapOf(STRING), 4,
          "Write-only convenience: string values merged into data on write."),
    Field("type", STRING, 3,
          "Type of secret, which fixes the keys it must hold; Opaque when empty."),
])

PKG.kind("Node", "A worker machine that runs pods.", [
    Field("metadata", _meta("ObjectMeta"), 1,
          "Standard object metadata: name, namespace, labels, annotations and the like."),
    Field("spec", _ref("NodeSpec"), 2, "Desired state, as written by the user."),
    Field("status", _ref("NodeStatus"), 3,
          "Most recently observed state, written by the system; read-only for users."),
])

PKG.kind("Event", "A report of something that happened in the cluster (core group form).", [
    Field("metadata", _meta("ObjectMeta"), 1,
          "Standard object metadata: name, namespace, labels, annotations and the like.",
          required=True),
    Field("involvedObject", _ref("ObjectReference"), 2, "Object the event is about.",
          required=True),
    Field("reason", STRING, 3, "Short CamelCase reason for the event."),
    Field("message", STRING, 4, "Human-readable description of the event."),
    Field("source", _ref("EventSource"), 5, "Component that reported the event."),
    Field("firstTimestamp", TIME, 6, "When the event was first seen."),
    Field("lastTimestamp", TIME, 7, "When the event was most recently seen."),
    Field("count", INT32, 8, "How many times the event has occurred."),
    Field("type", STRING, 9, "Event type: Normal or Warning."),
    Field("eventTime", MICRO_TIME, 10, "When the event was first observed, with microseconds."),
    Field("series", _ref("EventSeries"), 11, "Data about a series of recurring events."),
    Field("action", STRING, 12, "What was done, or failed, about the object."),
    Field("related", _ref("ObjectReference"), 13, "A secondary object involved in the event."),
    Field("reportingComponent", STRING, 14, "Controller that emitted the event."),
    Field("reportingInstance", STRING, 15,
          "ID of the controller instance that emitted the event."),
])

PKG.kind("ServiceAccount", "An identity for processes running in pods.", [
    Field("metadata", _meta("ObjectMeta"), 1,
          "Standard object metadata: name, namespace, labels, annotations and the like."),
    Field("secrets", ListOf(_ref("ObjectReference"), "map", ("name",)), 2,
          "Secrets pods using this account may use; legacy token secrets.", strategy="merge",
          merge_key="name"),
    Field("imagePullSecrets", ListOf(_ref("LocalObjectReference"), "atomic"), 3,
          "Image pull secrets added to pods that use this account."),
    Field("automountServiceAccountToken", BOOLEAN, 4,
          "Whether pods using this account get an API token mounted by default.", keep_zero=True),
])

PKG.kind("PersistentVolume", "A piece of storage provisioned in the cluster.", [
    Field("metadata", _meta("ObjectMeta"), 1,
          "Standard object metadata: name, namespace, labels, annotations and the like."),
    Field("spec", _ref("PersistentVolumeSpec"), 2, "Desired state, as written by the user."),
    Field("status", _ref("PersistentVolumeStatus"), 3,
          "Most recently observed state, written by the system; read-only for users."),
])

PKG.kind("PersistentVolumeClaim", "A request for storage by a user.", [
    Field("metadata", _meta("ObjectMeta"), 1,
          "Standard object metadata: name, namespace, labels, annotations and the like."),
    Field("spec", _ref("PersistentVolumeClaimSpec"), 2, "Desired state, as written by the user."),
    Field("status", _ref("PersistentVolumeClaimStatus"), 3,
          "Most recently observed state, written by the system; read-only for users."),
])

PKG.kind("ResourceQuota", "Limits on aggregate resource use in a namespace.", [
    Field("metadata", _meta("ObjectMeta"), 1,
          "Standard object metadata: name, namespace, labels, annotations and the like."),
    Field("spec", _ref("ResourceQuotaSpec"), 2, "Desired state, as written by the user."),
    Field("status", _ref("ResourceQuotaStatus"), 3,
          "Most recently observed state, written by the system; read-only for users."),
])

PKG.kind("LimitRange", "Default and bounding resource limits for objects of a namespace.", [
    Field("metadata", _meta("ObjectMeta"), 1,
          "Standard object metadata: name, namespace, labels, annotations and the like."),
    Field("spec", _ref("LimitRangeSpec"), 2, "Desired state, as written by the user."),
])

PKG.kind("ReplicationController",
         "Keeps a number of pod replicas running (predecessor of ReplicaSet).", [
    Field("metadata", _meta("ObjectMeta"), 1,
          "Standard object metadata: name, namespace, labels, annotations and the like."),
    Field("spec", _ref("ReplicationControllerSpec"), 2, "Desired state, as written by the user."),
    Field("status", _ref("ReplicationControllerStatus"), 3,
          "Most recently observed state, written by the system; read-only for users."),
])

PKG.kind("PodTemplate", "A stored pod template.", [
    Field("metadata", _meta("ObjectMeta"), 1,
          "Standard object metadata: name, namespace, labels, annotations and the like."),
    Field("template", _ref("PodTemplateSpec"), 2, "The template."),
])

PKG.kind("Binding", "Binds an object to another, e.g. a pod to a node; used by schedulers.", [
    Field("metadata", _meta("ObjectMeta"), 1,
          "Standard object metadata: name, namespace, labels, annotations and the like."),
    Field("target", _ref("ObjectReference"), 2, "Object to bind to.", required=True),
], listable=False)

PKG.struct("NamespaceSpec", "Desired state of a namespace.", [
    Field("finalizers", ListOf(STRING, "atomic"), 1,
          "Opaque values that must all be removed before the namespace is deleted from storage."),
])

PKG.struct("NamespaceStatus", "Observed state of a namespace.", [
    Field("phase", STRING, 1, "Lifecycle phase of the namespace (Active or Terminating).",
          enum=("Active", "Terminating")),
    Field("conditions", ListOf(_ref("NamespaceCondition"), "map", ("type",)), 2,
          "Latest observations about the namespace.", strategy="merge", merge_key="type"),
])

PKG.struct("PodSpec",
           "Desired state of a pod: its containers, volumes and scheduling constraints.", [
    Field("volumes", ListOf(_ref("Volume"), "map", ("name",)), 1,
          "Volumes that containers in the pod can mount.", strategy="merge,retainKeys",
          merge_key="name"),
    Field("initContainers", ListOf(_ref("Container"), "map", ("name",)), 20,
          "Containers that run to completion, one by one, before the app containers start.",
          strategy="merge", merge_key="name"),
    Field("containers", ListOf(_ref("Container"), "map", ("name",)), 2,
          "Application containers of the pod; at least one is required.", required=True,
          strategy="merge", merge_key="name"),
    Field("ephemeralContainers", ListOf(_ref("EphemeralContainer"), "map", ("name",)), 34,
          "Debugging containers added to a running pod (ephemeralcontainers subresource).",
          strategy="merge", merge_key="name"),
    Field("restartPolicy", STRING, 3,
          "When containers are restarted after they exit: Always, OnFailure or Never.",
          enum=("Always", "OnFailure", "Never")),
    Field("terminationGracePeriodSeconds", INT64, 4,
          "Seconds the pod gets to stop gracefully before it is killed.", keep_zero=True),
    Field("activeDeadlineSeconds", INT64, 5,
          "Seconds the pod may be active, counted from its start, before it is failed.",
          keep_zero=True),
    Field("dnsPolicy", STRING, 6, "How DNS resolution is configured for the pod.",
          enum=("ClusterFirstWithHostNet", "ClusterFirst", "Default", "None")),
    Field("nodeSelector", MapOf(STRING, "atomic"), 7,
          "Labels a node must carry for the pod to be scheduled there."),
    Field("serviceAccountName", STRING, 8,
          "Name of the service account whose identity the pod runs with."),
    Field("serviceAccount", STRING, 9, "Deprecated alias of serviceAccountName."),
    Field("automountServiceAccountToken", BOOLEAN, 21,
          "Whether an API token for the service account is mounted automatically.",
          keep_zero=True),
    Field("nodeName", STRING, 10, "Node the pod is bound to; setting it bypasses the scheduler."),
    Field("hostNetwork", BOOLEAN, 11, "Use the node's network namespace."),
    Field("hostPID", BOOLEAN, 12, "Use the node's process ID namespace."),
    Field("hostIPC", BOOLEAN, 13, "Use the node's IPC namespace."),
    Field("shareProcessNamespace", BOOLEAN, 27,
          "Share one process namespace among all containers of the pod.", keep_zero=True),
    Field("securityContext", _ref("PodSecurityContext"), 14,
          "Pod-wide security settings, defaults for every container."),
    Field("imagePullSecrets", ListOf(_ref("LocalObjectReference"), "map", ("name",)), 15,
          "Secrets in the pod's namespace used to pull images from private registries.",
          strategy="merge", merge_key="name"),
    Field("hostname", STRING, 16, "Hostname of the pod; defaults to the pod name."),
    Field("subdomain", STRING, 17,
          "Subdomain giving the pod the DNS name <hostname>.<subdomain>.<namespace>.svc."),
    Field("affinity", _ref("Affinity"), 18,
          "Node affinity and pod (anti-)affinity scheduling rules."),
    Field("schedulerName", STRING, 19,
          "Scheduler responsible for the pod; the default scheduler when empty."),
    Field("tolerations", ListOf(_ref("Toleration"), "atomic"), 22, "Taints the pod tolerates."),
    Field("hostAliases", ListOf(_ref("HostAlias"), "map", ("ip",)), 23,
          "Extra entries for the pod's /etc/hosts.", strategy="merge", merge_key="ip"),
    Field("priorityClassName", STRING, 24,
          "PriorityClass the pod's scheduling priority comes from."),
    Field("priority", INT32, 25,
          "Scheduling priority, filled in from the priority class by admission.", keep_zero=True),
    Field("dnsConfig", _ref("PodDNSConfig"), 26,
          "DNS resolver settings merged with those the DNS policy produces."),
    Field("readinessGates", ListOf(_ref("PodReadinessGate"), "atomic"), 28,
          "Extra pod conditions that must be True for the pod to count as ready."),
    Field("runtimeClassName", STRING, 29,
          "RuntimeClass that selects the container runtime configuration.", keep_zero=True),
    Field("enableServiceLinks", BOOLEAN, 30,
          "Whether service information is injected as Docker-links style environment variables.",
          keep_zero=True),
    Field("preemptionPolicy", STRING, 31, "Whether this pod may preempt lower-priority pods.",
          enum=("PreemptLowerPriority", "Never"), keep_zero=True),
    Field("overhead", MapOf(QUANTITY), 32,
          "Resources the pod sandbox consumes beyond its containers, set from the RuntimeClass."),
    Field("topologySpreadConstraints",
          ListOf(_ref("TopologySpreadConstraint"), "map", ("topologyKey", "whenUnsatisfiable")),
          33, "How the pods of a group are spread across topology domains.", strategy="merge",
          merge_key="topologyKey"),
    Field("setHostnameAsFQDN", BOOLEAN, 35,
          "Use the pod's fully qualified domain name as its hostname.", keep_zero=True),
    Field("os", _ref("PodOS"), 36, "Operating system the pod's containers need."),
    Field("hostUsers", BOOLEAN, 37,
          "Whether the pod uses the node's user namespace; false gives it its own.",
          keep_zero=True),
    Field("schedulingGates", ListOf(_ref("PodSchedulingGate"), "map", ("name",)), 38,
          "Gates that keep the pod unscheduled until all of them are removed.", strategy="merge",
          merge_key="name"),
    Field("resourceClaims", ListOf(_ref("PodResourceClaim"), "map", ("name",)), 39,
          "Dynamically allocated resources the pod needs before it can start.",
          strategy="merge,retainKeys", merge_key="name"),
    Field("resources", _ref("ResourceRequirements"), 40,
          "CPU and memory for the whole pod, shared by its containers."),
])

PKG.struct("PodResourceClaim", "A resource claim of a pod, by the name its containers use.", [
    Field("name", STRING, 1, "Name the containers refer to the claim by.", required=True),
    Field("resourceClaimName", STRING, 3, "Existing ResourceClaim to use.", keep_zero=True),
    Field("resourceClaimTemplateName", STRING, 4,
          "ResourceClaimTemplate to create the pod's own claim from.", keep_zero=True),
])

PKG.struct("PodStatus", "Observed state of a pod.", [
    Field("phase", STRING, 1,
          "Coarse lifecycle phase: Pending, Running, Succeeded, Failed or Unknown.",
          enum=("Pending", "Running", "Succeeded", "Failed", "Unknown")),
    Field("conditions", ListOf(_ref("PodCondition"), "map", ("type",)), 2,
          "Latest observations about the pod.", strategy="merge", merge_key="type"),
    Field("message", STRING, 3, "Human-readable reason the pod is in its state."),
    Field("reason", STRING, 4, "Brief CamelCase reason the pod is in its state, e.g. Evicted."),
    Field("nominatedNodeName", STRING, 11,
          "Node the pod is expected to land on once preemption completes."),
    Field("hostIP", STRING, 5, "Primary IP address of the node running the pod."),
    Field("hostIPs", ListOf(_ref("HostIP"), "atomic"), 16,
          "IP addresses of the node running the pod.", strategy="merge", merge_key="ip"),
    Field("podIP", STRING, 6, "Primary IP address allocated to the pod."),
    Field("podIPs", ListOf(_ref("PodIP"), "map", ("ip",)), 12,
          "IP addresses allocated to the pod, one per IP family.", strategy="merge",
          merge_key="ip"),
    Field("startTime", TIME, 7, "When the kubelet acknowledged the pod.", keep_zero=True),
    Field("initContainerStatuses", ListOf(_ref("ContainerStatus"), "atomic"), 10,
          "Status of each init container."),
    Field("containerStatuses", ListOf(_ref("ContainerStatus"), "atomic"), 8,
          "Status of each application container."),
    Field("qosClass", STRING, 9,
          "Quality-of-service class derived from the containers' resource requests and limits.",
          enum=("Guaranteed", "Burstable", "BestEffort")),
    Field("ephemeralContainerStatuses", ListOf(_ref("ContainerStatus"), "atomic"), 13,
          "Status of each ephemeral container."),
    Field("resize", STRING, 14, "State of a requested in-place resize of the containers."),
    Field("resourceClaimStatuses", ListOf(_ref("PodResourceClaimStatus"), "map", ("name",)), 15,
          "The ResourceClaim made for each of the pod's claims.",
          strategy="merge,retainKeys", merge_key="name"),
])

PKG.struct("PodResourceClaimStatus", "The ResourceClaim made for one claim of a pod.", [
    Field("name", STRING, 1, "Name of the pod's resourceClaims entry.", required=True),
    Field("resourceClaimName", STRING, 2, "Name of the ResourceClaim made for it.",
          keep_zero=True),
])

PKG.struct("ServiceSpec", "Desired behaviour of a service.", [
    Field("ports", ListOf(_ref("ServicePort"), "map", ("port", "protocol")), 1,
          "Ports the service exposes.", strategy="merge", merge_key="port"),
    Field("selector", MapOf(STRING, "atomic"), 2,
          "Labels of the pods traffic is routed to; endpoints are managed by hand when empty."),
    Field("clusterIP", STRING, 3,
          "Virtual IP address of the service; None for a headless service."),
    Field("clusterIPs", ListOf(STRING, "atomic"), 18,
          "Virtual IP addresses of the service, one per IP family."),
    Field("type", STRING, 4,
          "How the service is exposed: ClusterIP, NodePort, LoadBalancer or ExternalName.",
          enum=("ClusterIP", "NodePort", "LoadBalancer", "ExternalName")),
    Field("externalIPs", ListOf(STRING, "atomic"), 5,
          "Extra IP addresses the nodes accept traffic for this service on."),
    Field("sessionAffinity", STRING, 7, "Session affinity: ClientIP or None.",
          enum=("ClientIP", "None")),
    Field("loadBalancerIP", STRING, 8, "Deprecated; IP address requested from the load balancer."),
    Field("loadBalancerSourceRanges", ListOf(STRING, "atomic"), 9,
          "Client CIDRs the load balancer accepts traffic from."),
    Field("externalName", STRING, 10, "DNS name the service aliases, for type ExternalName."),
    Field("externalTrafficPolicy", STRING, 11,
          "Whether external traffic goes only to node-local endpoints: Cluster or Local.",
          enum=("Cluster", "Local")),
    Field("healthCheckNodePort", INT32, 12,
          "Node port for the load balancer's health checks, with the Local policy."),
    Field("publishNotReadyAddresses", BOOLEAN, 13,
          "Publish endpoints of pods that are not ready."),
    Field("sessionAffinityConfig", _ref("SessionAffinityConfig"), 14,
          "Settings of session affinity."),
    Field("ipFamilies", ListOf(STRING, "atomic"), 19, "IP families of the service, in order.",
          enum=("IPv4", "IPv6")),
    Field("ipFamilyPolicy", STRING, 17, "Whether the service is single-stack or dual-stack.",
          enum=("SingleStack", "PreferDualStack", "RequireDualStack"), keep_zero=True),
    Field("allocateLoadBalancerNodePorts", BOOLEAN, 20,
          "Whether node ports are allocated for a LoadBalancer service.", keep_zero=True),
    Field("loadBalancerClass", STRING, 21, "Load balancer implementation the service belongs to.",
          keep_zero=True),
    Field("internalTrafficPolicy", STRING, 22,
          "Whether in-cluster traffic goes only to node-local endpoints: Cluster or Local.",
          enum=("Cluster", "Local"), keep_zero=True),
    Field("trafficDistribution", STRING, 23,
          "Preference for how traffic is distributed among endpoints, e.g. PreferClose.",
          keep_zero=True),
])

PKG.struct("ServiceStatus", "Observed state of a service.", [
    Field("loadBalancer", _ref("LoadBalancerStatus"), 1, "State of the service's load balancer."),
    Field("conditions", ListOf(_meta("Condition"), "map", ("type",)), 2,
          "Latest observations about the service.", strategy="merge", merge_key="type"),
])

PKG.struct("EndpointSubset", "Addresses that share a set of ports.", [
    Field("addresses", ListOf(_ref("EndpointAddress"), "atomic"), 1, "Addresses that are ready."),
    Field("notReadyAddresses", ListOf(_ref("EndpointAddress"), "atomic"), 2,
          "Addresses that are not ready yet."),
    Field("ports", ListOf(_ref("EndpointPort"), "atomic"), 3, "Ports available on every address."),
])

PKG.struct("NodeSpec", "Desired state of a node.", [
    Field("podCIDR", STRING, 1, "Pod IP range assigned to the node."),
    Field("podCIDRs", ListOf(STRING, "set"), 7,
          "Pod IP ranges assigned to the node, one per IP family.", strategy="merge"),
    Field("providerID", STRING, 3, "ID of the node in the cloud provider, as <provider>://<id>."),
    Field("unschedulable", BOOLEAN, 4, "Keep new pods off the node (cordon)."),
    Field("taints", ListOf(_ref("Taint"), "atomic"), 5,
          "Taints that repel pods without a matching toleration."),
    Field("externalID", STRING, 2, "Deprecated cloud ID of the node; unused."),
])

PKG.struct("NodeStatus", "Observed state of a node.", [
    Field("capacity", MapOf(QUANTITY), 1, "Total resources of the node."),
    Field("allocatable", MapOf(QUANTITY), 2, "Resources available to pods."),
    Field("phase", STRING, 3, "Deprecated lifecycle phase of the node.",
          enum=("Pending", "Running", "Terminated")),
    Field("conditions", ListOf(_ref("NodeCondition"), "map", ("type",)), 4,
          "Latest observations about the node, such as Ready.", strategy="merge",
          merge_key="type"),
    Field("addresses", ListOf(_ref("NodeAddress"), "map", ("type",)), 5, "Addresses of the node.",
          strategy="merge", merge_key="type"),
    Field("daemonEndpoints", _ref("NodeDaemonEndpoints"), 6,
          "Ports of daemons running on the node."),
    Field("nodeInfo", _ref("NodeSystemInfo"), 7, "Identity and software versions of the node."),
    Field("images", ListOf(_ref("ContainerImage"), "atomic"), 8,
          "Container images present on the node."),
    Field("volumesInUse", ListOf(STRING, "atomic"), 9,
          "Volumes attached and mounted on the node."),
    Field("volumesAttached", ListOf(_ref("AttachedVolume"), "atomic"), 10,
          "Volumes attached to the node."),
    Field("runtimeHandlers", ListOf(_ref("NodeRuntimeHandler"), "atomic"), 12,
          "Runtime handlers the node's container runtime offers."),
    Field("features", _ref("NodeFeatures"), 13, "Features the node's container runtime has."),
])

PKG.struct("NodeRuntimeHandler", "A runtime handler of a node and what it supports.", [
    Field("name", STRING, 1, "Handler name; empty for the default handler."),
    Field("features", _ref("NodeRuntimeHandlerFeatures"), 2, "What the handler supports."),
])

PKG.struct("NodeRuntimeHandlerFeatures", "Features of a runtime handler.", [
    Field("recursiveReadOnlyMounts", BOOLEAN, 1, "Read-only mounts can be made recursive.",
          keep_zero=True),
    Field("userNamespaces", BOOLEAN, 2, "Pods can have their own user namespace.",
          keep_zero=True),
])

PKG.struct("NodeFeatures", "Features of a node's container runtime.", [
    Field("supplementalGroupsPolicy", BOOLEAN, 1,
          "The runtime honours supplementalGroupsPolicy and reports container users.",
          keep_zero=True),
])

PKG.struct("ObjectReference", "A reference to any object.", [
    Field("kind", STRING, 1, "Kind of the object."),
    Field("namespace", STRING, 2, "Namespace of the object."),
    Field("name", STRING, 3, "Name of the object."),
    Field("uid", STRING, 4, "UID of the object."),
    Field("apiVersion", STRING, 5, "API version of the object."),
    Field("resourceVersion", STRING, 6, "Resource version the reference is about."),
    Field("fieldPath", STRING, 7, "Part of the object meant, e.g. spec.containers{name}."),
], atomic=True)

PKG.struct("EventSource", "The component that reported an event.", [
    Field("component", STRING, 1, "Component name."),
    Field("host", STRING, 2, "Node the component runs on."),
])

PKG.struct("EventSeries", "A series of recurring events.", [
    Field("count", INT32, 1, "Number of occurrences so far."),
    Field("lastObservedTime", MICRO_TIME, 2, "When the last occurrence was observed."),
])

PKG.struct("LocalObjectReference", "Names an object in the same namespace.", [
    Field("name", STRING, 1, "Name of the object."),
], atomic=True)

PKG.struct("PersistentVolumeSpec", "Desired state of a persistent volume.", [
    Field("capacity", MapOf(QUANTITY), 1, "Size of the volume."),
    Field("persistentVolumeSource", _ref("PersistentVolumeSource"), 2,
          "Where the storage comes from.", inline=True),
    Field("accessModes", ListOf(STRING, "atomic"), 3, "Ways the volume can be mounted.",
          enum=("ReadWriteOnce", "ReadOnlyMany", "ReadWriteMany", "ReadWriteOncePod")),
    Field("claimRef", _ref("ObjectReference"), 4, "Claim bound to the volume."),
    Field("persistentVolumeReclaimPolicy", STRING, 5,
          "What happens when the claim is released: Retain, Delete or Recycle.",
          enum=("Recycle", "Delete", "Retain")),
    Field("storageClassName", STRING, 6, "StorageClass the volume belongs to."),
    Field("mountOptions", ListOf(STRING, "atomic"), 7,
          "Mount options used when mounting the volume."),
    Field("volumeMode", STRING, 8, "Filesystem or Block.", enum=("Block", "Filesystem"),
          keep_zero=True),
    Field("nodeAffinity", _ref("VolumeNodeAffinity"), 9, "Nodes the volume can be used from."),
    Field("volumeAttributesClassName", STRING, 10,
          "VolumeAttributesClass the volume belongs to.", keep_zero=True),
])

PKG.struct("PersistentVolumeStatus", "Observed state of a persistent volume.", [
    Field("phase", STRING, 1, "Lifecycle phase: Pending, Available, Bound, Released or Failed.",
          enum=("Pending", "Available", "Bound", "Released", "Failed")),
    Field("message", STRING, 2, "Human-readable reason for the phase."),
    Field("reason", STRING, 3, "Brief CamelCase reason for a failure."),
    Field("lastPhaseTransitionTime", TIME, 4, "When the phase last changed.", keep_zero=True),
])

PKG.struct("PersistentVolumeClaimSpec", "Desired state of a persistent volume claim.", [
    Field("accessModes", ListOf(STRING, "atomic"), 1, "Ways the volume must be mountable.",
          enum=("ReadWriteOnce", "ReadOnlyMany", "ReadWriteMany", "ReadWriteOncePod")),
    Field("selector", _meta("LabelSelector"), 4,
          "Label query over the volumes that may be bound."),
    Field("resources", _ref("VolumeResourceRequirements"), 2,
          "Minimum (and maximum) storage requested."),
    Field("volumeName", STRING, 3, "Name of the volume the claim is bound to."),
    Field("storageClassName", STRING, 5,
          "StorageClass to provision from; the default class when unset.", keep_zero=True),
    Field("volumeMode", STRING, 6, "Filesystem or Block.", enum=("Block", "Filesystem"),
          keep_zero=True),
    Field("dataSource", _ref("TypedLocalObjectReference"), 7,
          "Existing object (snapshot or claim) to populate the volume from."),
    Field("dataSourceRef", _ref("TypedObjectReference"), 8,
          "Object to populate the volume from, possibly in another API group."),
    Field("volumeAttributesClassName", STRING, 9,
          "VolumeAttributesClass whose attributes the volume gets; may change later.",
          keep_zero=True),
])

PKG.struct("PersistentVolumeClaimStatus", "Observed state of a persistent volume claim.", [
    Field("phase", STRING, 1, "Lifecycle phase: Pending, Bound or Lost.",
          enum=("Pending", "Bound", "Lost")),
    Field("accessModes", ListOf(STRING, "atomic"), 2, "Ways the bound volume can be mounted.",
          enum=("ReadWriteOnce", "ReadOnlyMany", "ReadWriteMany", "ReadWriteOncePod")),
    Field("capacity", MapOf(QUANTITY), 3, "Size of the bound volume."),
    Field("conditions", ListOf(_ref("PersistentVolumeClaimCondition"), "map", ("type",)), 4,
          "Latest observations about the claim.", strategy="merge", merge_key="type"),
    Field("allocatedResources", MapOf(QUANTITY), 5,
          "Resources allocated to the claim, which may exceed the request while resizing."),
    Field("allocatedResourceStatuses", MapOf(STRING, "granular"), 7,
          "State of an ongoing resize, per resource."),
    Field("currentVolumeAttributesClassName", STRING, 8,
          "VolumeAttributesClass the volume currently has.", keep_zero=True),
])

PKG.struct("ResourceQuotaSpec", "Desired quota.", [
    Field("hard", MapOf(QUANTITY), 1, "Hard limit for each named resource."),
    Field("scopes", ListOf(STRING, "atomic"), 2, "Scopes every tracked object must match.",
          enum=RESOURCE_QUOTA_SCOPE),
    Field("scopeSelector", _ref("ScopeSelector"), 3,
          "Scope requirements every tracked object must match."),
])

PKG.struct("ResourceQuotaStatus", "Observed quota use.", [
    Field("hard", MapOf(QUANTITY), 1, "Enforced hard limit for each resource."),
    Field("used", MapOf(QUANTITY), 2, "Current use of each resource."),
])

PKG.struct("LimitRangeSpec", "Desired limits.", [
    Field("limits", ListOf(_ref("LimitRangeItem"), "atomic"), 1, "Limits, by kind of object.",
          required=True),
])

PKG.struct("ReplicationControllerSpec", "Desired state of a replication controller.", [
    Field("replicas", INT32, 1, "Desired number of pods.", keep_zero=True),
    Field("minReadySeconds", INT32, 4,
          "Seconds a new pod must be ready before it counts as available."),
    Field("selector", MapOf(STRING, "atomic"), 2,
          "Labels of the pods the controller manages; the template's labels when empty."),
    Field("template", _ref("PodTemplateSpec"), 3, "Template of the pods to create."),
])

PKG.struct("ReplicationControllerStatus", "Observed state of a replication controller.", [
    Field("replicas", INT32, 1, "Number of pods that exist.", required=True),
    Field("fullyLabeledReplicas", INT32, 2,
          "Number of pods carrying all of the template's labels."),
    Field("readyReplicas", INT32, 4, "Number of ready pods."),
    Field("availableReplicas", INT32, 5, "Number of available pods."),
    Field("observedGeneration", INT64, 3, "Generation of the controller last acted upon."),
    Field("conditions", ListOf(_ref("ReplicationControllerCondition"), "map", ("type",)), 6,
          "Latest observations about the controller.", strategy="merge", merge_key="type"),
])

PKG.struct("PodTemplateSpec", "Template of pods created by a controller.", [
    Field("metadata", _meta("ObjectMeta"), 1,
          "Metadata (labels, annotations) of the created pods."),
    Field("spec", _ref("PodSpec"), 2, "Spec of the created pods."),
])

PKG.struct("TopologySelectorTerm", "Topology requirements, all of which must hold.", [
    Field("matchLabelExpressions", ListOf(_ref("TopologySelectorLabelRequirement"), "atomic"), 1,
          "Requirements on topology labels."),
], atomic=True)

PKG.struct("NamespaceCondition", "One observation about a namespace.", [
    Field("type", STRING, 1, "Kind of condition.", required=True),
    Field("status", STRING, 2, "Whether the condition holds: True, False or Unknown.",
          required=True),
    Field("lastTransitionTime", TIME, 4, "When the condition last changed status."),
    Field("reason", STRING, 5, "Machine-readable CamelCase cause of the last transition."),
    Field("message", STRING, 6, "Human-readable details about the last transition."),
])

PKG.struct("Volume", "A named volume that containers of the pod can mount.", [
    Field("name", STRING, 1, "Volume name, unique within the pod; volume mounts refer to it.",
          required=True),
    Field("volumeSource", _ref("VolumeSource"), 2, "Where the volume's content comes from.",
          inline=True),
])

# Kubernetes declares these members twice, with the same numbers: in
# Container and in EphemeralContainerCommon (inlined into EphemeralContainer).
_CONTAINER_FIELDS = [
    Field("name", STRING, 1, "Container name, unique within the pod (a DNS label).",
          required=True),
    Field("image", STRING, 2, "Container image reference."),
    Field("command", ListOf(STRING, "atomic"), 3,
          "Entrypoint; replaces the image's ENTRYPOINT; $(VAR) references are expanded."),
    Field("args", ListOf(STRING, "atomic"), 4,
          "Arguments to the entrypoint; replace the image's CMD; $(VAR) references are expanded."),
    Field("workingDir", STRING, 5, "Working directory; the image's default when empty."),
    Field("ports", ListOf(_ref("ContainerPort"), "map", ("containerPort", "protocol")), 6,
          "Ports the container exposes; informational, but names are used by services.",
          strategy="merge", merge_key="containerPort"),
    Field("envFrom", ListOf(_ref("EnvFromSource"), "atomic"), 19,
          "Sources whose keys all become environment variables."),
    Field("env", ListOf(_ref("EnvVar"), "map", ("name",)), 7, "Environment variables to set.",
          strategy="merge", merge_key="name"),
    Field("resources", _ref("ResourceRequirements"), 8,
          "Compute resources the container requests and is limited to."),
    Field("resizePolicy", ListOf(_ref("ContainerResizePolicy"), "atomic"), 23,
          "Whether changing each resource in place restarts the container."),
    Field("restartPolicy", STRING, 24,
          "Per-container restart policy; only Always, for sidecar init containers.",
          enum=("Always",), keep_zero=True),
    Field("volumeMounts", ListOf(_ref("VolumeMount"), "map", ("mountPath",)), 9,
          "Pod volumes to mount into the container's filesystem.", strategy="merge",
          merge_key="mountPath"),
    Field("volumeDevices", ListOf(_ref("VolumeDevice"), "map", ("devicePath",)), 21,
          "Block devices from pod volumes to expose to the container.", strategy="merge",
          merge_key="devicePath"),
    Field("livenessProbe", _ref("Probe"), 10, "Probe whose failure restarts the container."),
    Field("readinessProbe", _ref("Probe"), 11,
          "Probe whose failure takes the container out of service endpoints."),
    Field("startupProbe", _ref("Probe"), 22,
          "Probe that must succeed before the other probes start."),
    Field("lifecycle", _ref("Lifecycle"), 12,
          "Actions to run right after start and right before stop."),
    Field("terminationMessagePath", STRING, 13,
          "File whose content becomes the termination message."),
    Field("terminationMessagePolicy", STRING, 20,
          "How the termination message is filled: File or FallbackToLogsOnError.",
          enum=("File", "FallbackToLogsOnError")),
    Field("imagePullPolicy", STRING, 14, "When to pull the image: Always, Never or IfNotPresent.",
          enum=("Always", "Never", "IfNotPresent")),
    Field("securityContext", _ref("SecurityContext"), 15,
          "Container security settings; they override the pod's."),
    Field("stdin", BOOLEAN, 16, "Keep a stdin buffer open for the container."),
    Field("stdinOnce", BOOLEAN, 17, "Close stdin after the first attached client disconnects."),
    Field("tty", BOOLEAN, 18, "Allocate a TTY; needs stdin."),
]

PKG.struct("Container", "One application container of a pod.", _CONTAINER_FIELDS)

PKG.struct("EphemeralContainer", "A debugging container added to a running pod.", [
    Field("ephemeralContainerCommon", _ref("EphemeralContainerCommon"), 1,
          "The container's settings (a subset of Container's).", inline=True),
    Field("targetContainerName", STRING, 2,
          "Container whose namespaces (e.g. process namespace) the container joins."),
])

PKG.struct("PodSecurityContext", "Pod-wide security settings.", [
    Field("seLinuxOptions", _ref("SELinuxOptions"), 1,
          "SELinux context applied to all containers."),
    Field("windowsOptions", _ref("WindowsSecurityContextOptions"), 8,
          "Windows-specific settings for all containers."),
    Field("runAsUser", INT64, 2, "User ID container entrypoints run as.", keep_zero=True),
    Field("runAsGroup", INT64, 6, "Primary group ID container entrypoints run as.",
          keep_zero=True),
    Field("runAsNonRoot", BOOLEAN, 3, "Refuse to start containers that would run as root.",
          keep_zero=True),
    Field("supplementalGroups", ListOf(INT64, "atomic"), 4,
          "Extra group IDs given to the first process of each container."),
    Field("fsGroup", INT64, 5,
          "Group that owns supported volumes and is added to every container's processes.",
          keep_zero=True),
    Field("sysctls", ListOf(_ref("Sysctl"), "atomic"), 7, "Namespaced kernel parameters to set."),
    Field("fsGroupChangePolicy", STRING, 9,
          "When volume ownership is changed to fsGroup: OnRootMismatch or Always.",
          enum=("OnRootMismatch", "Always"), keep_zero=True),
    Field("seccompProfile", _ref("SeccompProfile"), 10, "Seccomp profile of all containers."),
    Field("appArmorProfile", _ref("AppArmorProfile"), 11, "AppArmor profile of all containers."),
    Field("supplementalGroupsPolicy", STRING, 12,
          "Merge: add the image's groups to supplementalGroups; Strict: use only these.",
          enum=("Merge", "Strict"), keep_zero=True),
    Field("seLinuxChangePolicy", STRING, 13,
          "How volumes get the pod's SELinux label: Recursive relabeling or a MountOption.",
          enum=("Recursive", "MountOption"), keep_zero=True),
])

PKG.struct("Affinity", "Scheduling affinity rules.", [
    Field("nodeAffinity", _ref("NodeAffinity"), 1, "Which nodes the pod prefers or requires."),
    Field("podAffinity", _ref("PodAffinity"), 2, "Pods this pod should run near."),
    Field("podAntiAffinity", _ref("PodAntiAffinity"), 3, "Pods this pod should run away from."),
])

PKG.struct("Toleration",
           "Lets a pod be scheduled onto, or stay on, nodes with a matching taint.", [
    Field("key", STRING, 1, "Taint key matched; empty with Exists matches all taints."),
    Field("operator", STRING, 2, "Exists or Equal (the default).", enum=("Exists", "Equal")),
    Field("value", STRING, 3, "Taint value matched with Equal."),
    Field("effect", STRING, 4, "Taint effect matched; all effects when empty.",
          enum=("NoSchedule", "PreferNoSchedule", "NoExecute")),
    Field("tolerationSeconds", INT64, 5,
          "For NoExecute taints, how long the pod stays bound after the taint appears.",
          keep_zero=True),
])

PKG.struct("HostAlias", "An /etc/hosts entry.", [
    Field("ip", STRING, 1, "IP address of the entry.", required=True),
    Field("hostnames", ListOf(STRING, "atomic"), 2, "Hostnames for the IP address."),
])

PKG.struct("PodDNSConfig", "DNS resolver settings of a pod.", [
    Field("nameservers", ListOf(STRING, "atomic"), 1, "DNS server IP addresses."),
    Field("searches", ListOf(STRING, "atomic"), 2, "DNS search domains."),
    Field("options", ListOf(_ref("PodDNSConfigOption"), "atomic"), 3, "Resolver options."),
])

PKG.struct("PodReadinessGate", "An extra condition required for pod readiness.", [
    Field("conditionType", STRING, 1, "Type of a pod condition that must be True.", required=True),
])

PKG.struct("TopologySpreadConstraint", "How matching pods are spread across a topology.", [
    Field("maxSkew", INT32, 1,
          "Largest allowed difference in matching pods between any two domains.", required=True),
    Field("topologyKey", STRING, 2, "Node label whose values define the domains.", required=True),
    Field("whenUnsatisfiable", STRING, 3,
          "What to do when the constraint cannot be met: DoNotSchedule or ScheduleAnyway.",
          required=True, enum=("DoNotSchedule", "ScheduleAnyway")),
    Field("labelSelector", _meta("LabelSelector"), 4, "Which pods are counted."),
    Field("minDomains", INT32, 5, "Minimum number of eligible domains.", keep_zero=True),
    Field("nodeAffinityPolicy", STRING, 6,
          "Whether the pod's node affinity limits the domains counted: Honor or Ignore.",
          enum=("Ignore", "Honor"), keep_zero=True),
    Field("nodeTaintsPolicy", STRING, 7,
          "Whether node taints limit the domains counted: Honor or Ignore.",
          enum=("Ignore", "Honor"), keep_zero=True),
    Field("matchLabelKeys", ListOf(STRING, "atomic"), 8,
          "Label keys whose values on the pod narrow the pods counted."),
])

PKG.struct("PodOS", "The operating system a pod needs.", [
    Field("name", STRING, 1, "Operating system name: linux or windows.", required=True,
          enum=("linux", "windows")),
])

PKG.struct("PodSchedulingGate", "A gate holding a pod back from scheduling.", [
    Field("name", STRING, 1, "Name of the gate.", required=True),
])

PKG.struct("PodCondition", "One observation about a pod.", [
    Field("type", STRING, 1, "Kind of condition.", required=True),
    Field("status", STRING, 2, "Whether the condition holds: True, False or Unknown.",
          required=True),
    Field("lastProbeTime", TIME, 3, "When the condition was last checked."),
    Field("lastTransitionTime", TIME, 4, "When the condition last changed status."),
    Field("reason", STRING, 5, "Machine-readable CamelCase cause of the last transition."),
    Field("message", STRING, 6, "Human-readable details about the last transition."),
])

PKG.struct("HostIP", "One IP address of the pod's node.", [
    Field("ip", STRING, 1, "The IP address.", required=True),
])

PKG.struct("PodIP", "One IP address of a pod.", [
    Field("ip", STRING, 1, "The IP address.", required=True),
])

PKG.struct("ContainerStatus", "Observed state of one container.", [
    Field("name", STRING, 1, "Name of the container, as in the pod spec.", required=True),
    Field("state", _ref("ContainerState"), 2, "Current state of the container."),
    Field("lastState", _ref("ContainerState"), 3,
          "State of the container's previous run, if it terminated."),
    Field("ready", BOOLEAN, 4, "Whether the container passes its readiness probe.", required=True),
    Field("restartCount", INT32, 5, "How many times the container has been restarted.",
          required=True),
    Field("image", STRING, 6, "Image the container runs.", required=True),
    Field("imageID", STRING, 7, "Image the container runs, identified by digest.", required=True),
    Field("containerID", STRING, 8, "Runtime-specific ID of the container, as <type>://<id>."),
    Field("started", BOOLEAN, 9,
          "Whether the container passed its startup probe and its postStart hook ran.",
          keep_zero=True),
    Field("allocatedResources", MapOf(QUANTITY), 10,
          "Resources the node allocated to the container."),
    Field("resources", _ref("ResourceRequirements"), 11,
          "Requests and limits in effect for the running container."),
    Field("user", _ref("ContainerUser"), 13, "Identity the container's first process runs as."),
    Field("volumeMounts", ListOf(_ref("VolumeMountStatus"), "map", ("mountPath",)), 12,
          "Status of the container's volume mounts.", strategy="merge", merge_key="mountPath"),
])

PKG.struct("ContainerUser", "Identity of a container's first process.", [
    Field("linux", _ref("LinuxContainerUser"), 1, "Linux user and groups."),
])

PKG.struct("LinuxContainerUser", "Linux user and groups of a process.", [
    Field("uid", INT64, 1, "User ID.", required=True),
    Field("gid", INT64, 2, "Primary group ID.", required=True),
    Field("supplementalGroups", ListOf(INT64, "atomic"), 3, "Supplemental group IDs."),
])

PKG.struct("ServicePort", "A port a service exposes.", [
    Field("name", STRING, 1, "Port name, required when there are several ports."),
    Field("protocol", STRING, 2, "Protocol: TCP, UDP or SCTP.", enum=("TCP", "UDP", "SCTP")),
    Field("appProtocol", STRING, 6, "Application protocol of the port, e.g. http.",
          keep_zero=True),
    Field("port", INT32, 3, "Port the service listens on.", required=True),
    Field("targetPort", INT_OR_STRING, 4,
          "Port number or name on the pods traffic goes to; the port when empty."),
    Field("nodePort", INT32, 5, "Node port, for NodePort and LoadBalancer services."),
])

PKG.struct("SessionAffinityConfig", "Settings of session affinity.", [
    Field("clientIP", _ref("ClientIPConfig"), 1, "Settings of ClientIP affinity."),
])

PKG.struct("LoadBalancerStatus", "State of a load balancer.", [
    Field("ingress", ListOf(_ref("LoadBalancerIngress"), "atomic"), 1,
          "Ingress points of the load balancer."),
])

PKG.struct("EndpointAddress", "One endpoint address.", [
    Field("ip", STRING, 1, "IP address.", required=True),
    Field("hostname", STRING, 3, "Hostname of the endpoint."),
    Field("nodeName", STRING, 4, "Node hosting the endpoint.", keep_zero=True),
    Field("targetRef", _ref("ObjectReference"), 2,
          "Object providing the endpoint, usually a pod."),
], atomic=True)

PKG.struct("EndpointPort", "A port of endpoint addresses.", [
    Field("name", STRING, 1, "Port name, matching the service port's."),
    Field("port", INT32, 2, "Port number.", required=True),
    Field("protocol", STRING, 3, "Protocol: TCP, UDP or SCTP.", enum=("TCP", "UDP", "SCTP")),
    Field("appProtocol", STRING, 4, "Application protocol of the port.", keep_zero=True),
], atomic=True)

PKG.struct("Taint", "Repels pods that do not tolerate it from a node.", [
    Field("key", STRING, 1, "Taint key.", required=True),
    Field("value", STRING, 2, "Taint value."),
    Field("effect", STRING, 3,
          "Effect on pods not tolerating the taint: NoSchedule, PreferNoSchedule or NoExecute.",
          required=True, enum=("NoSchedule", "PreferNoSchedule", "NoExecute")),
    Field("timeAdded", TIME, 4, "When a NoExecute taint was added.", keep_zero=True),
])

PKG.struct("NodeCondition", "One observation about a node.", [
    Field("type", STRING, 1, "Kind of condition.", required=True),
    Field("status", STRING, 2, "Whether the condition holds: True, False or Unknown.",
          required=True),
    Field("lastHeartbeatTime", TIME, 3, "When the reporter last confirmed the condition."),
    Field("lastTransitionTime", TIME, 4, "When the condition last changed status."),
    Field("reason", STRING, 5, "Machine-readable CamelCase cause of the last transition."),
    Field("message", STRING, 6, "Human-readable details about the last transition."),
])

PKG.struct("NodeAddress", "An address of a node.", [
    Field("type", STRING, 1,
          "Kind of address: Hostname, InternalIP, ExternalIP, InternalDNS or ExternalDNS.",
          required=True),
    Field("address", STRING, 2, "The address.", required=True),
])

PKG.struct("NodeDaemonEndpoints", "Ports of daemons running on a node.", [
    Field("kubeletEndpoint", _ref("DaemonEndpoint"), 1, "Port the kubelet listens on."),
])

PKG.struct("NodeSystemInfo", "Identity and software versions of a node.", [
    Field("machineID", STRING, 1, "Machine ID reported by the node.", required=True),
    Field("systemUUID", STRING, 2, "System UUID reported by the node.", required=True),
    Field("bootID", STRING, 3, "ID of the current boot.", required=True),
    Field("kernelVersion", STRING, 4, "Kernel version.", required=True),
    Field("osImage", STRING, 5, "Operating system image.", required=True),
    Field("containerRuntimeVersion", STRING, 6,
          "Container runtime version, as <runtime>://<version>.", required=True),
    Field("kubeletVersion", STRING, 7, "Kubelet version.", required=True),
    Field("kubeProxyVersion", STRING, 8, "Deprecated; kube-proxy version.", required=True),
    Field("operatingSystem", STRING, 9, "Operating system, e.g. linux.", required=True),
    Field("architecture", STRING, 10, "CPU architecture, e.g. amd64.", required=True),
])

PKG.struct("ContainerImage", "A container image present on a node.", [
    Field("names", ListOf(STRING, "atomic"), 1, "Names and digests of the image."),
    Field("sizeBytes", INT64, 2, "Size of the image in bytes."),
])

PKG.struct("AttachedVolume", "A volume attached to a node.", [
    Field("name", STRING, 1, "Unique name of the volume.", required=True),
    Field("devicePath", STRING, 2, "Where the volume is attached on the node.", required=True),
])

PKG.struct("PersistentVolumeSource",
           "Where a persistent volume's storage comes from; exactly one member is set.", [
    Field("hostPath", _ref("HostPathVolumeSource"), 3,
          "A directory on the node, for single-node testing."),
    Field("nfs", _ref("NFSVolumeSource"), 5, "An NFS export."),
    Field("iscsi", _ref("ISCSIPersistentVolumeSource"), 7, "An iSCSI disk."),
    Field("fc", _ref("FCVolumeSource"), 10, "A Fibre Channel disk."),
    Field("local", _ref("LocalVolumeSource"), 20, "Local storage on a node."),
    Field("csi", _ref("CSIPersistentVolumeSource"), 22, "A volume managed by a CSI driver."),
], embedded=True)

PKG.struct("ISCSIPersistentVolumeSource", "An iSCSI disk backing a persistent volume.", [
    Field("targetPortal", STRING, 1, "Target portal, an IP address or ip:port.", required=True),
    Field("iqn", STRING, 2, "Target iSCSI qualified name.", required=True),
    Field("lun", INT32, 3, "Target LUN number.", required=True),
    Field("iscsiInterface", STRING, 4, "iSCSI interface to use; default (tcp) when empty."),
    Field("fsType", STRING, 5, "Filesystem type to mount, ext4 when empty."),
    Field("readOnly", BOOLEAN, 6, "Mount the disk read-only."),
    Field("portals", ListOf(STRING, "atomic"), 7, "More target portals."),
    Field("chapAuthDiscovery", BOOLEAN, 8, "Use CHAP authentication for discovery."),
    Field("chapAuthSession", BOOLEAN, 11, "Use CHAP authentication for the session."),
    Field("secretRef", _ref("SecretReference"), 10, "Secret holding the CHAP credentials."),
    Field("initiatorName", STRING, 12, "Custom iSCSI initiator name.", keep_zero=True),
])

PKG.struct("VolumeNodeAffinity", "The nodes a volume can be used from.", [
    Field("required", _ref("NodeSelector"), 1, "Node requirements that must hold."),
])

PKG.struct("VolumeResourceRequirements", "Storage requested by a claim.", [
    Field("limits", MapOf(QUANTITY), 1, "Most storage the claim may use."),
    Field("requests", MapOf(QUANTITY), 2, "Least storage the claim needs."),
])

PKG.struct("TypedLocalObjectReference", "A typed reference to an object in the same namespace.", [
    Field("apiGroup", STRING, 1, "API group of the object; the core group when empty.",
          keep_zero=True),
    Field("kind", STRING, 2, "Kind of the object.", required=True),
    Field("name", STRING, 3, "Name of the object.", required=True),
], atomic=True)

PKG.struct("TypedObjectReference",
           "A typed reference to an object, possibly in another namespace.", [
    Field("apiGroup", STRING, 1, "API group of the object; the core group when empty.",
          keep_zero=True),
    Field("kind", STRING, 2, "Kind of the object.", required=True),
    Field("name", STRING, 3, "Name of the object.", required=True),
    Field("namespace", STRING, 4,
          "Namespace of the object; needs a ReferenceGrant when it differs.", keep_zero=True),
])

PKG.struct("PersistentVolumeClaimCondition", "One observation about a persistent volume claim.", [
    Field("type", STRING, 1, "Kind of condition.", required=True),
    Field("status", STRING, 2, "Whether the condition holds: True, False or Unknown.",
          required=True),
    Field("lastProbeTime", TIME, 3, "When the condition was last checked."),
    Field("lastTransitionTime", TIME, 4, "When the condition last changed status."),
    Field("reason", STRING, 5, "Machine-readable CamelCase cause of the last transition."),
    Field("message", STRING, 6, "Human-readable details about the last transition."),
])

PKG.struct("ScopeSelector", "Scope requirements, all of which must hold.", [
    Field("matchExpressions", ListOf(_ref("ScopedResourceSelectorRequirement"), "atomic"), 1,
          "The requirements."),
], atomic=True)

PKG.struct("LimitRangeItem", "Limits for one kind of object.", [
    Field("type", STRING, 1, "Kind of object limited: Pod, Container or PersistentVolumeClaim.",
          required=True, enum=("Pod", "Container", "PersistentVolumeClaim")),
    Field("max", MapOf(QUANTITY), 2, "Maximum of each resource."),
    Field("min", MapOf(QUANTITY), 3, "Minimum of each resource."),
    Field("default", MapOf(QUANTITY), 4, "Default limit of each resource."),
    Field("defaultRequest", MapOf(QUANTITY), 5, "Default request of each resource."),
    Field("maxLimitRequestRatio", MapOf(QUANTITY), 6,
          "Largest allowed ratio of limit to request, per resource."),
])

PKG.struct("ReplicationControllerCondition", "One observation about a replication controller.", [
    Field("type", STRING, 1, "Kind of condition.", required=True),
    Field("status", STRING, 2, "Whether the condition holds: True, False or Unknown.",
          required=True),
    Field("lastTransitionTime", TIME, 3, "When the condition last changed status."),
    Field("reason", STRING, 4, "Machine-readable CamelCase cause of the last transition."),
    Field("message", STRING, 5, "Human-readable details about the last transition."),
])

PKG.struct("TopologySelectorLabelRequirement", "A requirement on a topology label.", [
    Field("key", STRING, 1, "Label key.", required=True),
    Field("values", ListOf(STRING, "atomic"), 2, "Accepted label values.", required=True),
])

PKG.struct("VolumeSource", "Where a pod volume comes from; exactly one member is set.", [
    Field("hostPath", _ref("HostPathVolumeSource"), 1, "A file or directory on the node."),
    Field("emptyDir", _ref("EmptyDirVolumeSource"), 2,
          "A fresh empty directory that lives as long as the pod."),
    Field("secret", _ref("SecretVolumeSource"), 6, "Files projected from a Secret."),
    Field("nfs", _ref("NFSVolumeSource"), 7, "An NFS export."),
    Field("iscsi", _ref("ISCSIVolumeSource"), 8, "An iSCSI disk attached to the node."),
    Field("persistentVolumeClaim", _ref("PersistentVolumeClaimVolumeSource"), 10,
          "A PersistentVolumeClaim in the pod's namespace."),
    Field("downwardAPI", _ref("DownwardAPIVolumeSource"), 16, "Files describing the pod itself."),
    Field("fc", _ref("FCVolumeSource"), 17, "A Fibre Channel disk attached to the node."),
    Field("configMap", _ref("ConfigMapVolumeSource"), 19, "Files projected from a ConfigMap."),
    Field("projected", _ref("ProjectedVolumeSource"), 26,
          "Secrets, config maps, downward API data and tokens in one directory."),
    Field("csi", _ref("CSIVolumeSource"), 28, "An ephemeral volume provided by a CSI driver."),
    Field("ephemeral", _ref("EphemeralVolumeSource"), 29,
          "A volume from a PersistentVolumeClaim created for, and deleted with, the pod."),
    Field("image", _ref("ImageVolumeSource"), 30,
          "The contents of an OCI image or artifact, mounted read-only."),
], embedded=True)

PKG.struct("ISCSIVolumeSource", "An iSCSI disk.", [
    Field("targetPortal", STRING, 1, "Target portal, an IP address or ip:port.", required=True),
    Field("iqn", STRING, 2, "Target iSCSI qualified name.", required=True),
    Field("lun", INT32, 3, "Target LUN number.", required=True),
    Field("iscsiInterface", STRING, 4, "iSCSI interface to use; default (tcp) when empty."),
    Field("fsType", STRING, 5, "Filesystem type to mount, ext4 when empty."),
    Field("readOnly", BOOLEAN, 6, "Mount the disk read-only."),
    Field("portals", ListOf(STRING, "atomic"), 7, "More target portals."),
    Field("chapAuthDiscovery", BOOLEAN, 8, "Use CHAP authentication for discovery."),
    Field("chapAuthSession", BOOLEAN, 11, "Use CHAP authentication for the session."),
    Field("secretRef", _ref("LocalObjectReference"), 10, "Secret holding the CHAP credentials."),
    Field("initiatorName", STRING, 12, "Custom iSCSI initiator name.", keep_zero=True),
])

PKG.struct("FCVolumeSource", "A Fibre Channel disk.", [
    Field("targetWWNs", ListOf(STRING, "atomic"), 1, "Target world wide names."),
    Field("lun", INT32, 2, "Target LUN number.", keep_zero=True),
    Field("fsType", STRING, 3, "Filesystem type to mount, ext4 when empty."),
    Field("readOnly", BOOLEAN, 4, "Mount the disk read-only."),
    Field("wwids", ListOf(STRING, "atomic"), 5,
          "Volume world wide identifiers, instead of targetWWNs and lun."),
])

PKG.struct("ImageVolumeSource", "An OCI image or artifact used as a volume.", [
    Field("reference", STRING, 1, "Image or artifact reference, as for a container image."),
    Field("pullPolicy", STRING, 2, "When to pull: Always, Never or IfNotPresent.",
          enum=("Always", "Never", "IfNotPresent")),
])

PKG.struct("ContainerPort", "A network port of a container.", [
    Field("name", STRING, 1, "Port name (an IANA_SVC_NAME) that services can refer to."),
    Field("hostPort", INT32, 2, "Port to expose on the node; rarely needed."),
    Field("containerPort", INT32, 3, "Port number on the pod's IP address.", required=True),
    Field("protocol", STRING, 4, "Protocol: TCP, UDP or SCTP.", enum=("TCP", "UDP", "SCTP")),
    Field("hostIP", STRING, 5, "Node IP address to bind the host port to."),
])

PKG.struct("EnvFromSource", "A source of environment variables.", [
    Field("prefix", STRING, 1, "Prefix added to every variable name."),
    Field("configMapRef", _ref("ConfigMapEnvSource"), 2, "ConfigMap whose keys become variables."),
    Field("secretRef", _ref("SecretEnvSource"), 3, "Secret whose keys become variables."),
])

PKG.struct("EnvVar", "One environment variable.", [
    Field("name", STRING, 1, "Variable name.", required=True),
    Field("value", STRING, 2,
          "Literal value; $(VAR) references to earlier variables are expanded."),
    Field("valueFrom", _ref("EnvVarSource"), 3,
          "Where the value comes from, instead of a literal."),
])

PKG.struct("ResourceRequirements", "Compute resource requests and limits.", [
    Field("limits", MapOf(QUANTITY), 1, "Most of each resource the container may use."),
    Field("requests", MapOf(QUANTITY), 2,
          "Amount of each resource the container is guaranteed; the scheduler fits pods by it."),
    Field("claims", ListOf(_ref("ResourceClaim"), "map", ("name",)), 3,
          "Pod resource claims (by name) the container uses."),
])

PKG.struct("ResourceClaim", "A pod resource claim used by a container.", [
    Field("name", STRING, 1, "Name of a resourceClaims entry of the pod.", required=True),
    Field("request", STRING, 2, "One request of the claim, when not all of it is needed."),
])

PKG.struct("ContainerResizePolicy", "Whether resizing a resource in place needs a restart.", [
    Field("resourceName", STRING, 1, "The resource: cpu or memory.", required=True),
    Field("restartPolicy", STRING, 2, "NotRequired or RestartContainer.", required=True,
          enum=("NotRequired", "RestartContainer")),
])

PKG.struct("VolumeMount", "A volume mounted into a container.", [
    Field("name", STRING, 1, "Name of the pod volume to mount.", required=True),
    Field("readOnly", BOOLEAN, 2, "Mount read-only."),
    Field("recursiveReadOnly", STRING, 7,
          "Whether a read-only mount is read-only in its submounts too.",
          enum=("Disabled", "IfPossible", "Enabled"), keep_zero=True),
    Field("mountPath", STRING, 3, "Path inside the container; must not contain ':'.",
          required=True),
    Field("subPath", STRING, 4, "Path inside the volume to mount instead of its root."),
    Field("mountPropagation", STRING, 5,
          "How mounts propagate between the node and the container.",
          enum=("None", "HostToContainer", "Bidirectional"), keep_zero=True),
    Field("subPathExpr", STRING, 6,
          "Like subPath, with $(VAR) references to the container's environment expanded."),
])

PKG.struct("VolumeDevice", "A raw block device from a pod volume.", [
    Field("name", STRING, 1, "Name of the pod volume (a PersistentVolumeClaim).", required=True),
    Field("devicePath", STRING, 2, "Path of the device inside the container.", required=True),
])

PKG.struct("Probe", "A health check of a container.", [
    Field("handler", _ref("ProbeHandler"), 1, "The check to run.", inline=True),
    Field("initialDelaySeconds", INT32, 2,
          "Seconds after the container starts before the first probe."),
    Field("timeoutSeconds", INT32, 3, "Seconds after which a probe attempt times out."),
    Field("periodSeconds", INT32, 4, "Seconds between probe attempts."),
    Field("successThreshold", INT32, 5,
          "Consecutive successes needed after a failure to count as passing."),
    Field("failureThreshold", INT32, 6, "Consecutive failures needed to count as failing."),
    Field("terminationGracePeriodSeconds", INT64, 7,
          "Grace period used when a failing probe kills the container.", keep_zero=True),
])

PKG.struct("Lifecycle", "Actions the kubelet runs at container lifecycle events.", [
    Field("postStart", _ref("LifecycleHandler"), 1, "Run right after the container is created."),
    Field("preStop", _ref("LifecycleHandler"), 2, "Run right before the container is stopped."),
])

PKG.struct("SecurityContext", "Security settings of one container.", [
    Field("capabilities", _ref("Capabilities"), 1, "Linux capabilities to add and drop."),
    Field("privileged", BOOLEAN, 2, "Run as privileged, with access to all host devices.",
          keep_zero=True),
    Field("seLinuxOptions", _ref("SELinuxOptions"), 3, "SELinux context of the container."),
    Field("windowsOptions", _ref("WindowsSecurityContextOptions"), 10,
          "Windows-specific settings."),
    Field("runAsUser", INT64, 4, "User ID the entrypoint runs as.", keep_zero=True),
    Field("runAsGroup", INT64, 8, "Primary group ID the entrypoint runs as.", keep_zero=True),
    Field("runAsNonRoot", BOOLEAN, 5, "Refuse to start the container if it would run as root.",
          keep_zero=True),
    Field("readOnlyRootFilesystem", BOOLEAN, 6, "Mount the container's root filesystem read-only.",
          keep_zero=True),
    Field("allowPrivilegeEscalation", BOOLEAN, 7,
          "Whether a process may gain more privileges than its parent.", keep_zero=True),
    Field("procMount", STRING, 9, "How /proc is mounted: Default or Unmasked.",
          enum=("Default", "Unmasked"), keep_zero=True),
    Field("seccompProfile", _ref("SeccompProfile"), 11, "Seccomp profile of the container."),
    Field("appArmorProfile", _ref("AppArmorProfile"), 12, "AppArmor profile of the container."),
])

PKG.struct("EphemeralContainerCommon", "The settings of an ephemeral container.",
           _CONTAINER_FIELDS, embedded=True)

PKG.struct("SELinuxOptions", "An SELinux context.", [
    Field("user", STRING, 1, "SELinux user."),
    Field("role", STRING, 2, "SELinux role."),
    Field("type", STRING, 3, "SELinux type."),
    Field("level", STRING, 4, "SELinux level."),
])

PKG.struct("WindowsSecurityContextOptions", "Windows-specific security settings.", [
    Field("gmsaCredentialSpecName", STRING, 1, "Name of the GMSA credential spec resource to use.",
          keep_zero=True),
    Field("gmsaCredentialSpec", STRING, 2,
          "Content of the GMSA credential spec, inlined by the admission webhook.",
          keep_zero=True),
    Field("runAsUserName", STRING, 3, "Windows user name the entrypoint runs as.", keep_zero=True),
    Field("hostProcess", BOOLEAN, 4, "Run as a Windows HostProcess container.", keep_zero=True),
])

PKG.struct("Sysctl", "A kernel parameter to set.", [
    Field("name", STRING, 1, "Parameter name.", required=True),
    Field("value", STRING, 2, "Parameter value.", required=True),
])

PKG.struct("SeccompProfile", "A seccomp profile.", [
    Field("type", STRING, 1, "Kind of profile: Unconfined, RuntimeDefault or Localhost.",
          required=True, enum=("Unconfined", "RuntimeDefault", "Localhost")),
    Field("localhostProfile", STRING, 2,
          "Path of the profile file on the node, for type Localhost.", keep_zero=True),
])

PKG.struct("AppArmorProfile", "An AppArmor profile.", [
    Field("type", STRING, 1, "Kind of profile: Unconfined, RuntimeDefault or Localhost.",
          required=True, enum=("Unconfined", "RuntimeDefault", "Localhost")),
    Field("localhostProfile", STRING, 2,
          "Name of a profile loaded on the node, for type Localhost.", keep_zero=True),
])

PKG.struct("NodeAffinity", "Node affinity rules.", [
    Field("requiredDuringSchedulingIgnoredDuringExecution", _ref("NodeSelector"), 1,
          "Rules a node must meet for the pod to be scheduled there."),
    Field("preferredDuringSchedulingIgnoredDuringExecution",
          ListOf(_ref("PreferredSchedulingTerm"), "atomic"), 2,
          "Weighted rules the scheduler favours nodes by."),
])

PKG.struct("PodAffinity", "Rules to co-locate the pod with other pods.", [
    Field("requiredDuringSchedulingIgnoredDuringExecution",
          ListOf(_ref("PodAffinityTerm"), "atomic"), 1,
          "Terms that must hold when the pod is scheduled."),
    Field("preferredDuringSchedulingIgnoredDuringExecution",
          ListOf(_ref("WeightedPodAffinityTerm"), "atomic"), 2,
          "Weighted terms the scheduler favours nodes by."),
])

PKG.struct("PodAntiAffinity", "Rules to keep the pod away from other pods.", [
    Field("requiredDuringSchedulingIgnoredDuringExecution",
          ListOf(_ref("PodAffinityTerm"), "atomic"), 1,
          "Terms that must hold when the pod is scheduled."),
    Field("preferredDuringSchedulingIgnoredDuringExecution",
          ListOf(_ref("WeightedPodAffinityTerm"), "atomic"), 2,
          "Weighted terms the scheduler favours nodes by."),
])

PKG.struct("PodDNSConfigOption", "A resolver option.", [
    Field("name", STRING, 1, "Option name."),
    Field("value", STRING, 2, "Option value.", keep_zero=True),
])

PKG.struct("ContainerState", "State of a container; exactly one member is set.", [
    Field("waiting", _ref("ContainerStateWaiting"), 1,
          "Set while the container is not running yet."),
    Field("running", _ref("ContainerStateRunning"), 2, "Set while the container runs."),
    Field("terminated", _ref("ContainerStateTerminated"), 3, "Set once the container has exited."),
])

PKG.struct("VolumeMountStatus", "Observed state of one volume mount.", [
    Field("name", STRING, 1, "Name of the mounted volume.", required=True),
    Field("mountPath", STRING, 2, "Path of the mount inside the container.", required=True),
    Field("readOnly", BOOLEAN, 3, "Whether the mount is read-only."),
    Field("recursiveReadOnly", STRING, 4, "Whether read-only mounting was applied recursively.",
          enum=("Disabled", "IfPossible", "Enabled"), keep_zero=True),
])

PKG.struct("ClientIPConfig", "Settings of ClientIP session affinity.", [
    Field("timeoutSeconds", INT32, 1, "How long a session sticks, in seconds.", keep_zero=True),
])

PKG.struct("LoadBalancerIngress", "An ingress point of a load balancer.", [
    Field("ip", STRING, 1, "IP address of the ingress point."),
    Field("hostname", STRING, 2, "Hostname of the ingress point."),
    Field("ipMode", STRING, 3, "How traffic reaches the ingress IP: VIP or Proxy.",
          enum=("VIP", "Proxy"), keep_zero=True),
    Field("ports", ListOf(_ref("PortStatus"), "atomic"), 4, "Status of each service port."),
])

PKG.struct("DaemonEndpoint", "A port a daemon listens on.", [
    Field("Port", INT32, 1, "Port number.", required=True),
])

PKG.struct("HostPathVolumeSource", "A file or directory on the node.", [
    Field("path", STRING, 1, "Path on the node.", required=True),
    Field("type", STRING, 2, "What must exist at the path, or be created there.",
          enum=HOST_PATH_TYPE, keep_zero=True),
])

PKG.struct("NFSVolumeSource", "An NFS export.", [
    Field("server", STRING, 1, "Hostname or IP address of the NFS server.", required=True),
    Field("path", STRING, 2, "Exported path.", required=True),
    Field("readOnly", BOOLEAN, 3, "Mount the export read-only."),
])

PKG.struct("LocalVolumeSource", "Local storage attached to a node.", [
    Field("path", STRING, 1, "Path of the disk, partition or directory on the node.",
          required=True),
    Field("fsType", STRING, 2, "Filesystem type, for block devices.", keep_zero=True),
])

PKG.struct("CSIPersistentVolumeSource", "A persistent volume managed by a CSI driver.", [
    Field("driver", STRING, 1, "Name of the CSI driver.", required=True),
    Field("volumeHandle", STRING, 2, "ID of the volume in the driver.", required=True),
    Field("readOnly", BOOLEAN, 3, "Publish the volume read-only."),
    Field("fsType", STRING, 4, "Filesystem type to mount."),
    Field("volumeAttributes", MapOf(STRING), 5, "Driver-specific attributes of the volume."),
    Field("controllerPublishSecretRef", _ref("SecretReference"), 6,
          "Secret passed to the driver's ControllerPublish calls."),
    Field("nodeStageSecretRef", _ref("SecretReference"), 7,
          "Secret passed to the driver's NodeStage calls."),
    Field("nodePublishSecretRef", _ref("SecretReference"), 8,
          "Secret passed to the driver's NodePublish calls."),
    Field("controllerExpandSecretRef", _ref("SecretReference"), 9,
          "Secret passed to the driver's ControllerExpand calls."),
    Field("nodeExpandSecretRef", _ref("SecretReference"), 10,
          "Secret passed to the driver's NodeExpand calls."),
])

PKG.struct("NodeSelector", "A set of node selector terms; a node matches if any term matches.", [
    Field("nodeSelectorTerms", ListOf(_ref("NodeSelectorTerm"), "atomic"), 1, "The terms, ORed.",
          required=True),
], atomic=True)

PKG.struct("ScopedResourceSelectorRequirement", "A requirement on a quota scope.", [
    Field("scopeName", STRING, 1, "Scope the requirement is about.", required=True,
          enum=RESOURCE_QUOTA_SCOPE),
    Field("operator", STRING, 2, "In, NotIn, Exists or DoesNotExist.", required=True,
          enum=("In", "NotIn", "Exists", "DoesNotExist")),
    Field("values", ListOf(STRING, "atomic"), 3, "Values to compare with."),
])

PKG.struct("EmptyDirVolumeSource", "A temporary directory that shares the pod's lifetime.", [
    Field("medium", STRING, 1,
          "Storage medium backing the directory; empty for the node default, Memory for tmpfs."),
    Field("sizeLimit", QUANTITY, 2, "Maximum amount of storage the directory may use.",
          keep_zero=True),
])

PKG.struct("SecretVolumeSource", "Files projected from a Secret.", [
    Field("secretName", STRING, 1, "Name of the Secret in the pod's namespace."),
    Field("items", ListOf(_ref("KeyToPath"), "atomic"), 2,
          "Keys to project and the file paths to use; all keys when empty."),
    Field("defaultMode", INT32, 3, "Permission bits for the created files (0000-0777).",
          keep_zero=True),
    Field("optional", BOOLEAN, 4, "Whether the Secret or its keys may be missing.",
          keep_zero=True),
])

PKG.struct("PersistentVolumeClaimVolumeSource", "A reference to a PersistentVolumeClaim.", [
    Field("claimName", STRING, 1, "Name of the claim in the pod's namespace.", required=True),
    Field("readOnly", BOOLEAN, 2, "Mount the volume read-only."),
])

PKG.struct("DownwardAPIVolumeSource", "Files describing the pod itself.", [
    Field("items", ListOf(_ref("DownwardAPIVolumeFile"), "atomic"), 1, "Files to create."),
    Field("defaultMode", INT32, 2, "Permission bits for the created files (0000-0777).",
          keep_zero=True),
])

PKG.struct("ConfigMapVolumeSource", "Files projected from a ConfigMap.", [
    Field("localObjectReference", _ref("LocalObjectReference"), 1, "The ConfigMap, by name.",
          inline=True),
    Field("items", ListOf(_ref("KeyToPath"), "atomic"), 2,
          "Keys to project and the file paths to use; all keys when empty."),
    Field("defaultMode", INT32, 3, "Permission bits for the created files (0000-0777).",
          keep_zero=True),
    Field("optional", BOOLEAN, 4, "Whether the ConfigMap or its keys may be missing.",
          keep_zero=True),
])

PKG.struct("ProjectedVolumeSource", "Several sources projected into one directory.", [
    Field("sources", ListOf(_ref("VolumeProjection"), "atomic"), 1, "The sources to project."),
    Field("defaultMode", INT32, 2, "Permission bits for the created files (0000-0777).",
          keep_zero=True),
])

PKG.struct("CSIVolumeSource", "An ephemeral volume provided by a CSI driver.", [
    Field("driver", STRING, 1, "Name of the CSI driver.", required=True),
    Field("readOnly", BOOLEAN, 2, "Mount the volume read-only.", keep_zero=True),
    Field("fsType", STRING, 3, "Filesystem type to mount, e.g. ext4.", keep_zero=True),
    Field("volumeAttributes", MapOf(STRING), 4, "Driver-specific attributes."),
    Field("nodePublishSecretRef", _ref("LocalObjectReference"), 5,
          "Secret with credentials for the driver's NodePublish calls."),
])

PKG.struct("EphemeralVolumeSource",
           "A volume whose claim is created with the pod and deleted with it.", [
    Field("volumeClaimTemplate", _ref("PersistentVolumeClaimTemplate"), 1,
          "Template of the PersistentVolumeClaim to create."),
])

PKG.struct("ConfigMapEnvSource", "A ConfigMap used as a source of environment variables.", [
    Field("localObjectReference", _ref("LocalObjectReference"), 1, "The ConfigMap, by name.",
          inline=True),
    Field("optional", BOOLEAN, 2, "Whether the ConfigMap may be missing.", keep_zero=True),
])

PKG.struct("SecretEnvSource", "A Secret used as a source of environment variables.", [
    Field("localObjectReference", _ref("LocalObjectReference"), 1, "The Secret, by name.",
          inline=True),
    Field("optional", BOOLEAN, 2, "Whether the Secret may be missing.", keep_zero=True),
])

PKG.struct("EnvVarSource",
           "Where an environment variable's value comes from; exactly one member is set.", [
    Field("fieldRef", _ref("ObjectFieldSelector"), 1, "A field of the pod."),
    Field("resourceFieldRef", _ref("ResourceFieldSelector"), 2,
          "A resource limit or request of a container."),
    Field("configMapKeyRef", _ref("ConfigMapKeySelector"), 3, "A key of a ConfigMap."),
    Field("secretKeyRef", _ref("SecretKeySelector"), 4, "A key of a Secret."),
])

PKG.struct("ProbeHandler", "The check a probe runs; exactly one member is set.", [
    Field("exec", _ref("ExecAction"), 1,
          "Run a command in the container; exit status 0 is success."),
    Field("httpGet", _ref("HTTPGetAction"), 2, "Send an HTTP GET; status 200-399 is success."),
    Field("tcpSocket", _ref("TCPSocketAction"), 3,
          "Open a TCP connection; success if it connects."),
    Field("grpc", _ref("GRPCAction"), 4, "Call the gRPC health checking service."),
], embedded=True)

PKG.struct("LifecycleHandler", "An action run at a lifecycle event; exactly one member is set.", [
    Field("exec", _ref("ExecAction"), 1, "Run a command in the container."),
    Field("httpGet", _ref("HTTPGetAction"), 2, "Send an HTTP GET."),
    Field("tcpSocket", _ref("TCPSocketAction"), 3,
          "Deprecated; kept for compatibility, does nothing useful."),
    Field("sleep", _ref("SleepAction"), 4, "Wait for a while."),
])

PKG.struct("Capabilities", "Linux capabilities to add and drop.", [
    Field("add", ListOf(STRING, "atomic"), 1, "Capabilities to add."),
    Field("drop", ListOf(STRING, "atomic"), 2, "Capabilities to drop."),
])

PKG.struct("PreferredSchedulingTerm", "A weighted node preference.", [
    Field("weight", INT32, 1, "Weight of the preference, 1-100.", required=True),
    Field("preference", _ref("NodeSelectorTerm"), 2, "Node requirements the preference is about.",
          required=True),
])

PKG.struct("PodAffinityTerm", "Pods that must (or must not) run in the same topology domain.", [
    Field("labelSelector", _meta("LabelSelector"), 1, "Label query over the pods concerned."),
    Field("namespaces", ListOf(STRING, "atomic"), 2,
          "Namespaces the pods are looked for in; the pod's own when empty."),
    Field("topologyKey", STRING, 3, "Node label whose value defines a topology domain.",
          required=True),
    Field("namespaceSelector", _meta("LabelSelector"), 4,
          "Label query over the namespaces the pods are looked for in."),
    Field("matchLabelKeys", ListOf(STRING, "atomic"), 5,
          "Label keys whose values on this pod are added to the label selector with In."),
    Field("mismatchLabelKeys", ListOf(STRING, "atomic"), 6,
          "Label keys whose values on this pod are added to the label selector with NotIn."),
])

PKG.struct("WeightedPodAffinityTerm", "A weighted pod affinity term.", [
    Field("weight", INT32, 1, "Weight of the term, 1-100.", required=True),
    Field("podAffinityTerm", _ref("PodAffinityTerm"), 2, "The term.", required=True),
])

PKG.struct("ContainerStateWaiting", "A container that is not running yet.", [
    Field("reason", STRING, 1,
          "Why the container is waiting, e.g. ContainerCreating or CrashLoopBackOff."),
    Field("message", STRING, 2, "Details about the wait."),
])

PKG.struct("ContainerStateRunning", "A running container.", [
    Field("startedAt", TIME, 1, "When the container last started."),
])

PKG.struct("ContainerStateTerminated", "A container that has exited.", [
    Field("exitCode", INT32, 1, "Exit status of the last run.", required=True),
    Field("signal", INT32, 2, "Signal that ended the last run."),
    Field("reason", STRING, 3, "Brief reason the container exited."),
    Field("message", STRING, 4, "Details about the exit."),
    Field("startedAt", TIME, 5, "When the last run started."),
    Field("finishedAt", TIME, 6, "When the last run ended."),
    Field("containerID", STRING, 7, "Runtime-specific ID of the exited container."),
])

PKG.struct("PortStatus", "Status of one port.", [
    Field("port", INT32, 1, "Port number.", required=True),
    Field("protocol", STRING, 2, "Protocol: TCP, UDP or SCTP.", required=True,
          enum=("TCP", "UDP", "SCTP")),
    Field("error", STRING, 3, "Problem with the port, as a CamelCase reason.", keep_zero=True),
])

PKG.struct("SecretReference", "A reference to a Secret in any namespace.", [
    Field("name", STRING, 1, "Name of the Secret."),
    Field("namespace", STRING, 2, "Namespace of the Secret."),
], atomic=True)

PKG.struct("NodeSelectorTerm", "Node requirements, all of which must hold.", [
    Field("matchExpressions", ListOf(_ref("NodeSelectorRequirement"), "atomic"), 1,
          "Requirements on node labels."),
    Field("matchFields", ListOf(_ref("NodeSelectorRequirement"), "atomic"), 2,
          "Requirements on node fields."),
], atomic=True)

PKG.struct("KeyToPath", "Maps one key to a file path.", [
    Field("key", STRING, 1, "The key to project.", required=True),
    Field("path", STRING, 2, "Relative path of the file to write the value to.", required=True),
    Field("mode", INT32, 3, "Permission bits for this file (0000-0777).", keep_zero=True),
])

PKG.struct("DownwardAPIVolumeFile", "One file with information about the pod.", [
    Field("path", STRING, 1, "Relative path of the file.", required=True),
    Field("fieldRef", _ref("ObjectFieldSelector"), 2,
          "Pod field to write; only annotations, labels, name, namespace and uid."),
    Field("resourceFieldRef", _ref("ResourceFieldSelector"), 3,
          "Container resource limit or request to write."),
    Field("mode", INT32, 4, "Permission bits for this file (0000-0777).", keep_zero=True),
])

PKG.struct("VolumeProjection", "One source of a projected volume; exactly one member is set.", [
    Field("secret", _ref("SecretProjection"), 1, "Keys of a Secret."),
    Field("downwardAPI", _ref("DownwardAPIProjection"), 2, "Information about the pod."),
    Field("configMap", _ref("ConfigMapProjection"), 3, "Keys of a ConfigMap."),
    Field("serviceAccountToken", _ref("ServiceAccountTokenProjection"), 4,
          "A token for the pod's service account."),
    Field("clusterTrustBundle", _ref("ClusterTrustBundleProjection"), 5,
          "The certificates of ClusterTrustBundles, in one file."),
])

PKG.struct("ClusterTrustBundleProjection", "Which ClusterTrustBundles to project, and where.", [
    Field("name", STRING, 1, "One bundle, by name (instead of signerName).", keep_zero=True),
    Field("signerName", STRING, 2, "All bundles of this signer.", keep_zero=True),
    Field("labelSelector", _meta("LabelSelector"), 3,
          "Only the signer's bundles with matching labels."),
    Field("optional", BOOLEAN, 5, "Start the pod even if no bundle matches.", keep_zero=True),
    Field("path", STRING, 4, "File to write, relative to the volume root.", required=True),
])

PKG.struct("PersistentVolumeClaimTemplate",
           "Template for a PersistentVolumeClaim created on demand.", [
    Field("metadata", _meta("ObjectMeta"), 1,
          "Labels and annotations copied to the created claim."),
    Field("spec", _ref("PersistentVolumeClaimSpec"), 2, "Spec of the created claim.",
          required=True),
])

PKG.struct("ObjectFieldSelector", "Selects a field of the pod.", [
    Field("apiVersion", STRING, 1,
          "Version of the schema the field path is written in; v1 when empty."),
    Field("fieldPath", STRING, 2, "Path of the field, e.g. metadata.name.", required=True),
], atomic=True)

PKG.struct("ResourceFieldSelector", "Selects a container resource limit or request.", [
    Field("containerName", STRING, 1, "Container whose resources are read; required for volumes."),
    Field("resource", STRING, 2, "Resource to read, e.g. limits.cpu.", required=True),
    Field("divisor", QUANTITY, 3, "Unit the value is expressed in; 1 when empty."),
], atomic=True)

PKG.struct("ConfigMapKeySelector", "Selects a key of a ConfigMap.", [
    Field("localObjectReference", _ref("LocalObjectReference"), 1, "The ConfigMap, by name.",
          inline=True),
    Field("key", STRING, 2, "The key to read.", required=True),
    Field("optional", BOOLEAN, 3, "Whether the ConfigMap or key may be missing.", keep_zero=True),
], atomic=True)

PKG.struct("SecretKeySelector", "Selects a key of a Secret.", [
    Field("localObjectReference", _ref("LocalObjectReference"), 1, "The Secret, by name.",
          inline=True),
    Field("key", STRING, 2, "The key to read.", required=True),
    Field("optional", BOOLEAN, 3, "Whether the Secret or key may be missing.", keep_zero=True),
], atomic=True)

PKG.struct("ExecAction", "A command run inside the container.", [
    Field("command", ListOf(STRING, "atomic"), 1, "Command line, run directly (not in a shell)."),
])

PKG.struct("HTTPGetAction", "An HTTP GET request.", [
    Field("path", STRING, 1, "Path to request."),
    Field("port", INT_OR_STRING, 2, "Port number or name to connect to.", required=True),
    Field("host", STRING, 3, "Host to connect to; the pod IP when empty."),
    Field("scheme", STRING, 4, "HTTP or HTTPS.", enum=("HTTP", "HTTPS")),
    Field("httpHeaders", ListOf(_ref("HTTPHeader"), "atomic"), 5, "Extra request headers."),
])

PKG.struct("TCPSocketAction", "A TCP connection attempt.", [
    Field("port", INT_OR_STRING, 1, "Port number or name to connect to.", required=True),
    Field("host", STRING, 2, "Host to connect to; the pod IP when empty."),
])

PKG.struct("GRPCAction", "A gRPC health check.", [
    Field("port", INT32, 1, "Port of the gRPC service.", required=True),
    Field("service", STRING, 2, "Service name sent in the health check request.", keep_zero=True),
])

PKG.struct("SleepAction", "A pause.", [
    Field("seconds", INT64, 1, "How many seconds to sleep.", required=True),
])

PKG.struct("NodeSelectorRequirement", "A requirement on a node label or field.", [
    Field("key", STRING, 1, "Label key or field name.", required=True),
    Field("operator", STRING, 2,
          "How the key relates to the values: In, NotIn, Exists, DoesNotExist, Gt or Lt.",
          required=True, enum=("In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt")),
    Field("values", ListOf(STRING, "atomic"), 3,
          "Values to compare with; one integer for Gt and Lt, none for Exists and DoesNotExist."),
])

PKG.struct("SecretProjection", "Keys of a Secret projected into a volume.", [
    Field("localObjectReference", _ref("LocalObjectReference"), 1, "The Secret, by name.",
          inline=True),
    Field("items", ListOf(_ref("KeyToPath"), "atomic"), 2,
          "Keys to project and the file paths to use; all keys when empty."),
    Field("optional", BOOLEAN, 4, "Whether the Secret or its keys may be missing.",
          keep_zero=True),
])

PKG.struct("DownwardAPIProjection", "Information about the pod projected into a volume.", [
    Field("items", ListOf(_ref("DownwardAPIVolumeFile"), "atomic"), 1, "Files to create."),
])

PKG.struct("ConfigMapProjection", "Keys of a ConfigMap projected into a volume.", [
    Field("localObjectReference", _ref("LocalObjectReference"), 1, "The ConfigMap, by name.",
          inline=True),
    Field("items", ListOf(_ref("KeyToPath"), "atomic"), 2,
          "Keys to project and the file paths to use; all keys when empty."),
    Field("optional", BOOLEAN, 4, "Whether the ConfigMap or its keys may be missing.",
          keep_zero=True),
])

PKG.struct("ServiceAccountTokenProjection", "A service account token projected into a volume.", [
    Field("audience", STRING, 1, "Audience the token is issued for; the API server's when empty."),
    Field("expirationSeconds", INT64, 2,
          "Requested lifetime of the token; the kubelet renews it before it expires.",
          keep_zero=True),
    Field("path", STRING, 3, "Relative path of the token file.", required=True),
])

PKG.struct("HTTPHeader", "One HTTP header.", [
    Field("name", STRING, 1, "Header name.", required=True),
    Field("value", STRING, 2, "Header value.", required=True),
])
