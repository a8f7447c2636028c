"""Field management: who owns which field of an object, and server-side apply.

Kubernetes records, in every object's `metadata.managedFields`, which manager
(`fieldManager`, or the client's User-Agent) last set which fields, and
serves `application/apply-patch+yaml` patches (server-side apply) on top of
that record. The package is layered the way structured-merge-diff is:

* `fieldpath`: sets of field paths and their `FieldsV1` encoding;
* `schema`: a kind's schema as apply sees it (list types and keys, atomic
  structs and maps), from the type declarations, a CRD's openAPIV3Schema, or
  deduced from the value;
* `typed`: field sets, comparison, merge and pruning of objects;
* `managedfields`: the `managedFields` entries, decoded and encoded;
* `conflicts`: the 409 an unforced apply answers when it would overrule
  other managers;
* `manager`: `FieldManager.update` for every write and `FieldManager.apply`
  for server-side apply, with the client-side apply migration rules.
"""

from pyk8s.api.fieldmanager.manager import (
    FieldManager,
    field_manager,
    manager_name,
    record_write,
    request_manager,
    validate_field_manager,
)

__all__ = ["FieldManager", "field_manager", "manager_name", "record_write",
           "request_manager", "validate_field_manager"]
