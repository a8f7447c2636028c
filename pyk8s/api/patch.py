"""Patching plain JSON documents: JSON Patch (RFC 6902) and JSON Merge Patch (RFC 7386).

kube-apiserver serves four patch types on PATCH requests:

* `application/json-patch+json` -- `json_patch` here;
* `application/merge-patch+json` -- `merge_patch` here;
* `application/strategic-merge-patch+json` and `application/apply-patch+yaml`
  (server-side apply) -- schema-aware, to be added to this module later next
  to these two.

Both functions work on decoded JSON (dicts, lists, str, int, float, bool,
None) and never mutate their inputs: the document is deep-copied first (an
orjson round trip, ~8x faster than `copy.deepcopy` on a typical Pod) and
values taken from the patch are copied before they are inserted.

JSON Patch follows what kube-apiserver 1.32 does, which is what
`gopkg.in/evanphx/json-patch.v4` does, including its leniencies:

* negative array indices count from the end (`/a/-1` is the last element;
  for `add`, `-1` appends);
* `replace` of a missing *object member* adds it (arrays still need the index);
* `test` treats a missing member and `null` alike; numbers compare by value;
* `copy` from a missing object member copies `null`;
* an operation without `value` uses `null`.

Errors are what the API server answers:

* a body that is not a JSON array of operation objects: 400 BadRequest with
  Go's decoding message (`json: cannot unmarshal object into Go value of type
  jsonpatch.Patch`);
* more than 10000 operations: 413 RequestEntityTooLarge;
* any operation that does not apply (failed `test`, missing path, bad index,
  unknown `op`): 422 Invalid with the fixed message `the server rejected our
  request due to an error in our request` and no causes -- kube-apiserver
  does not say which operation failed. The library's own explanation
  (`testing value /spec/replicas failed: test failed`, ...) is kept on the
  APIError as `__cause__` (a `JSONPatchError`) for logs and tests.
"""

from __future__ import annotations

import copy as _copy
import re
from typing import Any

import orjson

from pyk8s.api import errors
from pyk8s.api.errors import APIError

__all__ = [
    "JSON_PATCH_REJECTED",
    "MAX_JSON_PATCH_OPERATIONS",
    "JSONPatchError",
    "deep_copy",
    "json_patch",
    "merge_patch",
]

MAX_JSON_PATCH_OPERATIONS = 10000
JSON_PATCH_REJECTED = "the server rejected our request due to an error in our request"

_MISSING = "missing value"
_INVALID_INDEX = "invalid index referenced"
_TEST_FAILED = "test failed"


class JSONPatchError(ValueError):
    """Why one JSON Patch operation did not apply (evanphx/json-patch's words)."""


def deep_copy(value: Any) -> Any:
    """A deep copy of a JSON value (orjson round trip; deepcopy as a fallback)."""
    if value is None or isinstance(value, str | int | float | bool):
        return value
    try:
        return orjson.loads(orjson.dumps(value))
    except TypeError:  # orjson.JSONEncodeError: a >64-bit int, a non-str key, ...
        return _copy.deepcopy(value)


# ---------------------------------------------------------------------------
# JSON Patch

def _go_type(value: Any) -> str:
    """The JSON type name encoding/json uses in `cannot unmarshal X into ...`."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def _go_quote(s: str) -> str:
    return orjson.dumps(s).decode()


_ATOI_RE = re.compile(r"[+-]?[0-9]+")
_INT_MIN, _INT_MAX = -(2**63), 2**63 - 1


def _atoi(key: str) -> int:
    """strconv.Atoi, raising its error text."""
    if not _ATOI_RE.fullmatch(key):
        raise JSONPatchError(f"strconv.Atoi: parsing {_go_quote(key)}: invalid syntax")
    n = int(key)
    if not _INT_MIN <= n <= _INT_MAX:
        raise JSONPatchError(f"strconv.Atoi: parsing {_go_quote(key)}: value out of range")
    return n


def _bad_index(idx: int) -> JSONPatchError:
    return JSONPatchError(f"Unable to access invalid index: {idx}: {_INVALID_INDEX}")


def _index(ary: list[Any], key: str) -> int:
    """An existing element's index (negative counts from the end)."""
    idx = _atoi(key)
    if idx < 0:
        if idx < -len(ary):
            raise _bad_index(idx)
        idx += len(ary)
    if idx >= len(ary):
        raise _bad_index(idx)
    return idx


def _get(con: dict[str, Any] | list[Any], key: str) -> Any:
    """container.get: a missing object member is None, a bad index an error."""
    if isinstance(con, dict):
        return con.get(key)
    return con[_index(con, key)]


def _set(con: dict[str, Any] | list[Any], key: str, value: Any) -> None:
    if isinstance(con, dict):
        con[key] = value
    else:
        con[_index(con, key)] = value


def _add(con: dict[str, Any] | list[Any], key: str, value: Any) -> None:
    if isinstance(con, dict):
        con[key] = value
        return
    if key == "-":
        con.append(value)
        return
    try:
        idx = _atoi(key)
    except JSONPatchError as e:
        raise JSONPatchError(f"value was not a proper array index: '{key}': {e}") from None
    size = len(con) + 1
    if idx >= size:
        raise _bad_index(idx)
    if idx < 0:
        if idx < -size:
            raise _bad_index(idx)
        idx += size
    con.insert(idx, value)


def _remove(con: dict[str, Any] | list[Any], key: str) -> None:
    if isinstance(con, dict):
        if key not in con:
            raise JSONPatchError(f"Unable to remove nonexistent key: {key}: {_MISSING}")
        del con[key]
    else:
        del con[_index(con, key)]


def _decode_token(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~") if "~" in token else token


def _find(doc: Any, path: str) -> tuple[dict[str, Any] | list[Any], str] | None:
    """The container holding `path`'s last token, and that token; None if absent.

    Like the Go library, the text before the first "/" is ignored and "" has
    no container.
    """
    parts = path.split("/")
    if len(parts) < 2:
        return None
    cur = doc
    for token in parts[1:-1]:
        try:
            cur = _get(cur, _decode_token(token))
        except JSONPatchError:
            return None
        if not isinstance(cur, dict | list):
            return None
    if not isinstance(cur, dict | list):
        return None
    return cur, _decode_token(parts[-1])


def _string_field(op: dict[str, Any], name: str) -> str:
    """Operation.Path() / Operation.From(), raising their error text."""
    value = op.get(name)
    if value is None:
        if name == "path":
            raise JSONPatchError(f"operation missing path field: {_MISSING}")
        raise JSONPatchError(f"operation, missing from field: {_MISSING}")
    if not isinstance(value, str):
        raise JSONPatchError(
            f"json: cannot unmarshal {_go_type(value)} into Go value of type string")
    return value


def _json_equal(a: Any, b: Any) -> bool:
    """Structural JSON equality: bools are not numbers, 1 == 1.0."""
    if isinstance(a, dict):
        if not isinstance(b, dict) or len(a) != len(b):
            return False
        return all(k in b and _json_equal(v, b[k]) for k, v in a.items())
    if isinstance(a, list):
        return (isinstance(b, list) and len(a) == len(b)
                and all(_json_equal(x, y) for x, y in zip(a, b, strict=True)))
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return a == b
    return type(a) is type(b) and a == b


def _op_add(doc: Any, op: dict[str, Any]) -> Any:
    try:
        path = _string_field(op, "path")
    except JSONPatchError:
        raise JSONPatchError(f"add operation failed to decode path: {_MISSING}") from None
    found = _find(doc, path)
    if found is None:
        raise JSONPatchError(
            f'add operation does not apply: doc is missing path: "{path}": {_MISSING}')
    con, key = found
    try:
        _add(con, key, deep_copy(op.get("value")))
    except JSONPatchError as e:
        raise JSONPatchError(f"error in add for path: '{path}': {e}") from None
    return doc


def _op_remove(doc: Any, op: dict[str, Any]) -> Any:
    try:
        path = _string_field(op, "path")
    except JSONPatchError:
        raise JSONPatchError(f"remove operation failed to decode path: {_MISSING}") from None
    found = _find(doc, path)
    if found is None:
        raise JSONPatchError(
            f'remove operation does not apply: doc is missing path: "{path}": {_MISSING}')
    con, key = found
    try:
        _remove(con, key)
    except JSONPatchError as e:
        raise JSONPatchError(f"error in remove for path: '{path}': {e}") from None
    return doc


def _op_replace(doc: Any, op: dict[str, Any]) -> Any:
    try:
        path = _string_field(op, "path")
    except JSONPatchError as e:
        raise JSONPatchError(f"replace operation failed to decode path: {e}") from None
    if path == "":
        value = op.get("value")
        if not isinstance(value, dict | list):
            raise JSONPatchError("replace operation value must be object or array")
        return deep_copy(value)
    found = _find(doc, path)
    if found is None:
        raise JSONPatchError(
            f"replace operation does not apply: doc is missing path: {path}: {_MISSING}")
    con, key = found
    try:
        _get(con, key)
    except JSONPatchError:
        raise JSONPatchError(
            f"replace operation does not apply: doc is missing key: {path}: {_MISSING}"
        ) from None
    _set(con, key, deep_copy(op.get("value")))
    return doc


def _op_move(doc: Any, op: dict[str, Any]) -> Any:
    try:
        from_path = _string_field(op, "from")
    except JSONPatchError as e:
        raise JSONPatchError(f"move operation failed to decode from: {e}") from None
    found = _find(doc, from_path)
    if found is None:
        raise JSONPatchError(
            f"move operation does not apply: doc is missing from path: {from_path}: {_MISSING}")
    con, key = found
    try:
        value = _get(con, key)
        _remove(con, key)
    except JSONPatchError as e:
        raise JSONPatchError(f"error in move for path: '{key}': {e}") from None
    try:
        path = _string_field(op, "path")
    except JSONPatchError as e:
        raise JSONPatchError(f"move operation failed to decode path: {e}") from None
    found = _find(doc, path)
    if found is None:
        raise JSONPatchError(
            f"move operation does not apply: doc is missing destination path: {path}: "
            f"{_MISSING}")
    con, key = found
    try:
        _add(con, key, value)
    except JSONPatchError as e:
        raise JSONPatchError(f"error in move for path: '{path}': {e}") from None
    return doc


def _op_test(doc: Any, op: dict[str, Any]) -> Any:
    try:
        path = _string_field(op, "path")
    except JSONPatchError as e:
        raise JSONPatchError(f"test operation failed to decode path: {e}") from None
    want = op.get("value")
    if path == "":
        if want is None or not _json_equal(doc, want):
            raise JSONPatchError(f"testing value {path} failed: {_TEST_FAILED}")
        return doc
    found = _find(doc, path)
    if found is None:
        raise JSONPatchError(
            f"test operation does not apply: is missing path: {path}: {_MISSING}")
    con, key = found
    try:
        have = _get(con, key)
    except JSONPatchError as e:
        raise JSONPatchError(f"error in test for path: '{path}': {e}") from None
    if have is None and want is None:
        return doc
    if have is None or want is None or not _json_equal(have, want):
        raise JSONPatchError(f"testing value {path} failed: {_TEST_FAILED}")
    return doc


def _op_copy(doc: Any, op: dict[str, Any]) -> Any:
    try:
        from_path = _string_field(op, "from")
    except JSONPatchError as e:
        raise JSONPatchError(f"copy operation failed to decode from: {e}") from None
    found = _find(doc, from_path)
    if found is None:
        raise JSONPatchError(
            f"copy operation does not apply: doc is missing from path: {from_path}: {_MISSING}")
    con, key = found
    try:
        value = _get(con, key)
    except JSONPatchError as e:
        raise JSONPatchError(f"error in copy for from: '{from_path}': {e}") from None
    try:
        path = _string_field(op, "path")
    except JSONPatchError:
        raise JSONPatchError(f"copy operation failed to decode path: {_MISSING}") from None
    found = _find(doc, path)
    if found is None:
        raise JSONPatchError(
            f"copy operation does not apply: doc is missing destination path: {path}: "
            f"{_MISSING}")
    con, key = found
    try:
        _add(con, key, deep_copy(value))
    except JSONPatchError as e:
        raise JSONPatchError(f"error while adding value during copy: {e}") from None
    return doc


_OPS = {
    "add": _op_add,
    "remove": _op_remove,
    "replace": _op_replace,
    "move": _op_move,
    "test": _op_test,
    "copy": _op_copy,
}


def _decode_ops(ops: Any) -> list[dict[str, Any]]:
    """jsonpatch.DecodePatch on an already-decoded body: 400 unless a list of objects."""
    if ops is None:  # `null` decodes to an empty patch
        return []
    if not isinstance(ops, list):
        raise errors.bad_request(
            f"json: cannot unmarshal {_go_type(ops)} into Go value of type jsonpatch.Patch")
    for op in ops:
        if op is not None and not isinstance(op, dict):
            raise errors.bad_request(
                f"json: cannot unmarshal {_go_type(op)} into Go value of type "
                "jsonpatch.Operation")
    return [op or {} for op in ops]


def json_patch(doc: Any, ops: Any) -> Any:
    """Apply an RFC 6902 JSON Patch (the decoded request body) to `doc`.

    Returns a new document; neither argument is modified. Operations apply in
    order and all-or-nothing. Raises APIError 400 (body not a list of
    operation objects), 413 (more than 10000 operations) or 422 (an operation
    did not apply; `__cause__` is the JSONPatchError saying why).
    """
    operations = _decode_ops(ops)
    if len(operations) > MAX_JSON_PATCH_OPERATIONS:
        raise errors.too_large(
            f"The allowed maximum operations in a JSON patch is {MAX_JSON_PATCH_OPERATIONS}, "
            f"got {len(operations)}")
    out = deep_copy(doc)
    try:
        for op in operations:
            kind = op.get("op")
            apply = _OPS.get(kind) if isinstance(kind, str) else None
            if apply is None:
                raise JSONPatchError(
                    f"Unexpected kind: {kind if isinstance(kind, str) else 'unknown'}")
            out = apply(out, op)
    except JSONPatchError as e:
        raise APIError(422, "Invalid", JSON_PATCH_REJECTED) from e
    return out


# ---------------------------------------------------------------------------
# JSON Merge Patch

def _pruned(value: Any) -> Any:
    """A copy of a patch value with null object members dropped, at any depth."""
    if isinstance(value, dict):
        return {k: _pruned(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_pruned(v) for v in value]
    return value


def _merge_into(target: dict[str, Any], patch: dict[str, Any]) -> None:
    for key, value in patch.items():
        if value is None:
            target.pop(key, None)
            continue
        cur = target.get(key)
        if isinstance(cur, dict):
            if isinstance(value, dict):
                _merge_into(cur, value)
            else:
                target[key] = deep_copy(value)
        else:
            target[key] = _pruned(value)


def merge_patch(doc: Any, patch: Any) -> Any:
    """Apply an RFC 7386 JSON Merge Patch to `doc`; returns a new document.

    Object members of the patch merge recursively; a `null` member deletes;
    anything else (arrays included) replaces. Nulls nested inside a replacing
    object are dropped, as kube-apiserver does. A patch that is not an object
    replaces the whole document (RFC 7386); kube-apiserver would then fail to
    decode an array as an object (422), and rejects a `null` or scalar merge
    patch outright -- callers that need that check the result's type.
    Neither argument is modified.
    """
    if not isinstance(patch, dict):
        return _pruned(patch) if isinstance(patch, list) else deep_copy(patch)
    target = deep_copy(doc) if isinstance(doc, dict) else {}
    _merge_into(target, patch)
    return target
