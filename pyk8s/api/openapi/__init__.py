"""The OpenAPI documents of the API, derived from the type declarations and the registry.

`schemas` turns the declarations of `pyk8s.api.types` (and custom resources'
openAPIV3Schemas) into JSON schemas, `paths` lists each resource's REST
operations, `v3` renders one document per group-version, `v2` the single
Swagger 2.0 document and `gnostic` its protobuf form. The API server caches
the rendered documents (`pyk8s.apiserver.openapi`).
"""
