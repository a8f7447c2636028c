"""apiextensions.k8s.io/v1: CustomResourceDefinition.

Declared in the vocabulary of `pyk8s.api.types._dsl`; facts (JSON names, protobuf
numbers, list and patch semantics, required members) follow Kubernetes 1.32, the
descriptions are our own. Members are listed in Kubernetes' declaration order.

A version's `schema.openAPIV3Schema` (Kubernetes' recursive JSONSchemaProps,
whose `items` and `additionalProperties` are unions the vocabulary has no word
for) is declared as an opaque object: it is checked by
`pyk8s.apiextensions.structural`, not by its declaration. So is the empty
`subresources.status` object (the Python client has no model for it either).
"""

from __future__ import annotations

from pyk8s.api.types import meta_v1
from pyk8s.api.types._dsl import (
    BOOLEAN,
    BYTES,
    INT32,
    RAW_EXTENSION,
    STRING,
    TIME,
    Field,
    ListOf,
    Package,
)

PKG = Package("io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1",
              "apiextensions.k8s.io", "v1")
_ref = PKG.ref
_meta = meta_v1.PKG.ref


PKG.kind("CustomResourceDefinition",
         "Declares a new resource type; its name is `<plural>.<group>`.", [
             Field("metadata", _meta("ObjectMeta"), 1,
                   "Standard object metadata: name, namespace, labels, annotations and the "
                   "like."),
             Field("spec", _ref("CustomResourceDefinitionSpec"), 2,
                   "The resource type to serve.", required=True),
             Field("status", _ref("CustomResourceDefinitionStatus"), 3,
                   "Whether the resource is served, and under which names."),
         ])

PKG.struct("CustomResourceDefinitionSpec", "The resource type a CRD declares.", [
    Field("group", STRING, 1, "API group the resource is served in.", required=True),
    Field("names", _ref("CustomResourceDefinitionNames"), 3,
          "Names the resource is known by.", required=True),
    Field("scope", STRING, 4, "Whether objects live in namespaces.", required=True,
          enum=("Cluster", "Namespaced")),
    Field("versions", ListOf(_ref("CustomResourceDefinitionVersion"), "atomic"), 7,
          "Every version of the resource; exactly one is stored.", required=True),
    Field("conversion", _ref("CustomResourceConversion"), 9,
          "How objects are converted between versions."),
    Field("preserveUnknownFields", BOOLEAN, 10,
          "Deprecated: keep fields the schema does not mention."),
])

PKG.struct("CustomResourceDefinitionNames", "The names of a custom resource.", [
    Field("plural", STRING, 1, "Lower-case plural name, used in URLs.", required=True),
    Field("singular", STRING, 2, "Lower-case singular name (defaults to the kind)."),
    Field("shortNames", ListOf(STRING, "atomic"), 3, "Abbreviations kubectl accepts."),
    Field("kind", STRING, 4, "CamelCase kind of the objects.", required=True),
    Field("listKind", STRING, 5, "Kind of lists of the objects (defaults to `<kind>List`)."),
    Field("categories", ListOf(STRING, "atomic"), 6,
          "Groups of resources this one belongs to, as in `kubectl get all`."),
])

PKG.struct("CustomResourceDefinitionVersion", "One version of a custom resource.", [
    Field("name", STRING, 1, "Version name, as in `/apis/<group>/<name>`.", required=True),
    Field("served", BOOLEAN, 2, "Whether the version is served.", required=True),
    Field("storage", BOOLEAN, 3, "Whether objects are stored in this version.",
          required=True),
    Field("deprecated", BOOLEAN, 7, "Whether requests to this version get a warning."),
    Field("deprecationWarning", STRING, 8, "The warning sent instead of the default one."),
    Field("schema", _ref("CustomResourceValidation"), 4,
          "Schema used to validate, prune and default the objects."),
    Field("subresources", _ref("CustomResourceSubresources"), 5,
          "Status and scale subresources."),
    Field("additionalPrinterColumns", ListOf(_ref("CustomResourceColumnDefinition"), "atomic"),
          6, "Columns `kubectl get` prints besides the name."),
    Field("selectableFields", ListOf(_ref("SelectableField"), "atomic"), 9,
          "Fields that field selectors may use."),
])

PKG.struct("CustomResourceValidation", "Validation rules of a version.", [
    Field("openAPIV3Schema", RAW_EXTENSION, 1, "The version's structural OpenAPI v3 schema."),
])

PKG.struct("CustomResourceSubresources", "Subresources a version serves.", [
    Field("status", RAW_EXTENSION, 1,
          "Serve /status (an empty object): status is written only there."),
    Field("scale", _ref("CustomResourceSubresourceScale"), 2,
          "Serve /scale, as an autoscaling/v1 Scale."),
])

PKG.struct("CustomResourceSubresourceScale", "Where a custom resource keeps its scale.", [
    Field("specReplicasPath", STRING, 1, "JSON path of the desired replicas, under .spec.",
          required=True),
    Field("statusReplicasPath", STRING, 2,
          "JSON path of the observed replicas, under .status.", required=True),
    Field("labelSelectorPath", STRING, 3,
          "JSON path of the label selector string, under .spec or .status."),
])

PKG.struct("CustomResourceColumnDefinition", "A column of `kubectl get`.", [
    Field("name", STRING, 1, "Column heading.", required=True),
    Field("type", STRING, 2, "OpenAPI type of the cells.", required=True,
          enum=("boolean", "date", "integer", "number", "string")),
    Field("format", STRING, 3, "OpenAPI format of the cells."),
    Field("description", STRING, 4, "What the column shows."),
    Field("priority", INT32, 5, "0 is always shown; higher only with `-o wide`."),
    Field("jsonPath", STRING, 6, "JSONPath evaluated against each object.", required=True),
])

PKG.struct("SelectableField", "A field that field selectors may use.", [
    Field("jsonPath", STRING, 1, "JSON path of the field.", required=True),
])

PKG.struct("CustomResourceConversion", "How objects change between versions.", [
    Field("strategy", STRING, 1, "None (only apiVersion changes) or Webhook.",
          required=True, enum=("None", "Webhook")),
    Field("webhook", _ref("WebhookConversion"), 2, "The webhook that converts objects."),
])

PKG.struct("WebhookConversion", "A conversion webhook.", [
    Field("clientConfig", _ref("WebhookClientConfig"), 2, "How to reach the webhook."),
    Field("conversionReviewVersions", ListOf(STRING, "atomic"), 3,
          "ConversionReview versions the webhook understands, preferred first.",
          required=True),
])

PKG.struct("WebhookClientConfig", "How to reach a webhook.", [
    Field("url", STRING, 3, "An https URL of the webhook."),
    Field("service", _ref("ServiceReference"), 1, "A Service in the cluster serving it."),
    Field("caBundle", BYTES, 2, "PEM CA bundle that signs the webhook's certificate."),
])

PKG.struct("ServiceReference", "A Service serving a webhook.", [
    Field("namespace", STRING, 1, "Namespace of the Service.", required=True),
    Field("name", STRING, 2, "Name of the Service.", required=True),
    Field("path", STRING, 3, "URL path requests are sent to."),
    Field("port", INT32, 4, "Port of the Service (443 by default)."),
])

PKG.struct("CustomResourceDefinitionStatus", "Whether and how a CRD is served.", [
    Field("conditions", ListOf(_ref("CustomResourceDefinitionCondition"), "map", ("type",)), 1,
          "NamesAccepted, Established and Terminating."),
    Field("acceptedNames", _ref("CustomResourceDefinitionNames"), 2,
          "The names the resource is actually served under."),
    Field("storedVersions", ListOf(STRING, "atomic"), 3,
          "Every version objects were ever stored in."),
])

PKG.struct("CustomResourceDefinitionCondition", "One condition of a CRD.", [
    Field("type", STRING, 1, "NamesAccepted, Established or Terminating.", required=True),
    Field("status", STRING, 2, "True, False or Unknown.", required=True),
    Field("lastTransitionTime", TIME, 3, "When the status last changed."),
    Field("reason", STRING, 4, "One CamelCase word saying why."),
    Field("message", STRING, 5, "What happened, for people."),
])
