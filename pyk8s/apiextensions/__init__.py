"""apiextensions: custom resources, served from CustomResourceDefinitions.

The CRD kind itself is declared like every built-in kind
(`pyk8s.api.resources.apiextensions`). This package serves what CRDs
declare:

- `controller`: the CRD controller inside the API server, which turns each
  CRD into `ResourceType`s and storages, writes the CRD's conditions and
  deletes its objects when it goes;
- `customresource`: one CRD version -> one `ResourceType` (columns, scale,
  schema rules, None conversion);
- `structural`, `validation`, `pruning`, `defaulting`: the structural-schema
  rules that check a CRD's schema and, with it, every custom resource;
- `jsonpath`: the JSONPath subset of printer columns and scale paths;
- `cleanup`: the admission step that makes a CRD's deletion wait for its
  objects' deletion.
"""
