"""Strategic merge patch (`application/strategic-merge-patch+json`), as kube-apiserver applies it.

A strategic merge patch is a JSON merge patch (RFC 7386) that knows the
schema: where the declarations in `pyk8s.api.types` give a list field the
`merge` patch strategy, the patch's list is merged into the live one instead
of replacing it -- by merge key for lists of objects (`containers` by `name`,
`ports` by `containerPort`), as a set for lists of scalars (`finalizers`).
Directives in the patch steer the merge:

* `"$patch": "replace"` in an object replaces it instead of merging; as an
  element of a merging list it replaces the whole list with the other
  elements;
* `"$patch": "delete"` in an object deletes it; as a list element it deletes
  the live elements with the same merge key;
* `"$patch": "merge"` is refused, as apimachinery refuses it (merging is the
  default; it cannot be asked for explicitly);
* `"$deleteFromPrimitiveList/<field>": [values]` removes values from a merging
  list of scalars;
* `"$setElementOrder/<field>": [...]` gives the order of the merged list
  (objects by merge key, scalars by value); live elements not named keep
  their relative place;
* `"$retainKeys": [names]` (sent for `retainKeys` fields such as a
  Deployment's `strategy` or a pod volume) drops every other member of the
  live object.

`null` deletes a member. Members the schema does not declare, and every
member when the schema is None (custom resources), merge like a JSON merge
patch. The algorithm is apimachinery's `mergeMap`/`mergeSlice` step by step,
including its ordering rules: merged lists put the patch's elements in patch
order and interleave the remaining live elements by their live order, so a
new element lands before the live elements it is not ordered against.

What the Go code then gets from decoding into typed structs we do directly:
values taken wholesale from the patch (new members, replaced lists, appended
elements) lose their `null` members and any leftover directives.

Errors are kube-apiserver's (`interpretStrategicMergePatchError`): a
malformed directive is 400 BadRequest (`invalid patch format of retainKeys`,
...); lists of lists are 422 with the fixed message kube-apiserver sends (the
real reason is kept as `__cause__`); anything else -- e.g. a merging-list
element without its merge key, `map: map[image:nginx] does not contain
declared merge key: name` -- is what kube-apiserver makes of an untyped error:
500 with no reason and the apimachinery message, printed by kubectl as
`Error from server: map: ...`. Messages format values the way Go's `%v` does.
"""

from __future__ import annotations

from typing import Any

from pyk8s.api import errors
from pyk8s.api.errors import APIError
from pyk8s.api.patch import JSON_PATCH_REJECTED, deep_copy
from pyk8s.api.types import FieldType, ListOf, MapOf, Ref, Struct

__all__ = ["StrategicMergePatchError", "strategic_merge_patch"]

_DIRECTIVE = "$patch"
_RETAIN_KEYS = "$retainKeys"
_DELETE_PRIMITIVE = "$deleteFromPrimitiveList"
_SET_ORDER = "$setElementOrder"

# Schema context of a JSON value: the struct an object holds, a map type (its
# values share one type), a list type, or None where nothing is declared.
_Ctx = Struct | MapOf | ListOf | None


class StrategicMergePatchError(ValueError):
    """Why a strategic merge patch did not apply; `code` is the HTTP status to answer."""

    def __init__(self, message: str, code: int = 500) -> None:
        super().__init__(message)
        self.code = code


def strategic_merge_patch(doc: Any, patch: Any, schema: Struct | None) -> dict[str, Any]:
    """Apply a strategic merge patch (the decoded body) to `doc`; returns a new object.

    `schema` is the declaration of `doc`'s kind (`pyk8s.api.types.kind_schema`),
    or None to merge without list strategies. Neither argument is modified.
    Raises APIError (see the module docstring for codes).
    """
    if patch is None:  # a `null` body decodes to an empty patch
        patch = {}
    if not isinstance(patch, dict):
        raise errors.bad_request(
            f"json: cannot unmarshal {_json_kind(patch)} into Go value of type "
            "map[string]interface {}")
    original = deep_copy(doc) if isinstance(doc, dict) else {}
    try:
        return _merge_map(original, deep_copy(patch), schema)
    except StrategicMergePatchError as e:
        if e.code == 400:
            raise errors.bad_request(str(e)) from e
        if e.code == 422:
            raise APIError(422, "Invalid", JSON_PATCH_REJECTED) from e
        raise APIError(500, "", str(e)) from e


# ---------------------------------------------------------------------------
# Go's view of JSON values, for comparisons and error messages

def _json_kind(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def _go_type(value: Any) -> str:
    """reflect.TypeOf(v) of a decoded JSON value, as %s prints it."""
    if value is None:
        return "%!s(<nil>)"
    if isinstance(value, dict):
        return "map[string]interface {}"
    if isinstance(value, list):
        return "[]interface {}"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int64"
    return "float64" if isinstance(value, float) else "string"


def _go(value: Any) -> str:
    """A value formatted as Go's %v formats decoded JSON."""
    if value is None:
        return "<nil>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e21:
        return str(int(value))
    if isinstance(value, dict):
        return "map[" + " ".join(f"{k}:{_go(value[k])}" for k in sorted(value)) + "]"
    if isinstance(value, list):
        return "[" + " ".join(_go(v) for v in value) + "]"
    return str(value)


def _go_eq(a: Any, b: Any) -> bool:
    """Go's == on interface values holding scalars: same dynamic type and value."""
    return type(a) is type(b) and a == b


def _bad_arg_type(expected: str, actual: Any) -> StrategicMergePatchError:
    return StrategicMergePatchError(f"expected a {expected}, but received a {_go_type(actual)}")


def _no_merge_key(m: dict[str, Any], key: str) -> StrategicMergePatchError:
    return StrategicMergePatchError(f"map: {_go(m)} does not contain declared merge key: {key}")


def _bad_patch_type(directive: Any, m: dict[str, Any]) -> StrategicMergePatchError:
    shown = (directive if isinstance(directive, str)
             else f"%!s({_go_type(directive)}={_go(directive)})")
    return StrategicMergePatchError(f"unknown patch type: {shown} in map: {_go(m)}")


_MAP = "map[string]interface {}"
_SLICE = "[]interface {}"
_BAD_RETAIN_KEYS = "invalid patch format of retainKeys"


# ---------------------------------------------------------------------------
# Schema look-ups

def _ctx(t: FieldType) -> _Ctx:
    if isinstance(t, Ref):
        return t.resolve()
    return t if isinstance(t, ListOf | MapOf) else None


def _field_meta(ctx: _Ctx, key: str) -> tuple[_Ctx, str, str]:
    """(context of the member's value, patch strategy less retainKeys, merge key)."""
    if isinstance(ctx, MapOf):
        return _ctx(ctx.value), "", ""
    if not isinstance(ctx, Struct):
        return None, "", ""
    f = ctx.field(key)
    if f is None:
        return None, "", ""
    strategy = ",".join(s for s in (f.strategy or "").split(",") if s not in ("", "retainKeys"))
    return _ctx(f.type), strategy, f.merge_key or ""


def _item_ctx(ctx: _Ctx) -> _Ctx:
    return _ctx(ctx.item) if isinstance(ctx, ListOf) else None


# ---------------------------------------------------------------------------
# Values taken wholesale from the patch

def _clean(value: Any) -> tuple[Any, bool]:
    """A patch value with nulls and directives dropped; False if it is itself a directive."""
    if isinstance(value, dict):
        if _DIRECTIVE in value:
            return None, False
        out: dict[str, Any] = {}
        for k, v in value.items():
            if v is None or k == _RETAIN_KEYS or k.startswith((_SET_ORDER, _DELETE_PRIMITIVE)):
                continue
            cleaned, keep = _clean(v)
            if keep:
                out[k] = cleaned
        return out, True
    if isinstance(value, list):
        return [c for c, keep in map(_clean, value) if keep], True
    return value, True


def _set_clean(target: dict[str, Any], key: str, value: Any) -> None:
    cleaned, keep = _clean(value)
    if keep:
        target[key] = cleaned
    else:
        target.pop(key, None)


# ---------------------------------------------------------------------------
# Objects

def _merge_map(original: dict[str, Any], patch: dict[str, Any], ctx: _Ctx) -> dict[str, Any]:
    if _DIRECTIVE in patch:
        directive = patch[_DIRECTIVE]
        if directive == "replace":
            del patch[_DIRECTIVE]
            cleaned, _ = _clean(patch)
            return dict(cleaned)
        if directive == "delete":
            return {}
        raise _bad_patch_type(directive, patch)

    _apply_retain_keys(original, patch)
    _merge_ordered_lists(original, patch, ctx)

    for key, pv in list(patch.items()):
        is_delete_list = key.startswith(_DELETE_PRIMITIVE)
        if is_delete_list:
            key = _extract_key(key, _DELETE_PRIMITIVE)
        if pv is None:
            original.pop(key, None)
            continue
        if key not in original:
            if not is_delete_list:
                _set_clean(original, key, pv)
            continue
        ov = original[key]
        if isinstance(ov, dict) != isinstance(pv, dict) or isinstance(ov, list) != isinstance(
                pv, list):
            if not is_delete_list:
                _set_clean(original, key, pv)
            continue
        sub, strategy, merge_key = _field_meta(ctx, key)
        if isinstance(ov, dict):
            if strategy == "replace":
                _set_clean(original, key, pv)
            else:
                original[key] = _merge_map(ov, pv, sub)
        elif isinstance(ov, list):
            original[key] = _merge_list(ov, pv, sub, strategy, merge_key, is_delete_list)
        else:
            _set_clean(original, key, pv)
    return original


def _extract_key(key: str, prefix: str) -> str:
    head, sep, rest = key.partition("/")
    if not sep or head != prefix:
        what = "primitive list" if prefix == _DELETE_PRIMITIVE else "setElementOrder list"
        raise StrategicMergePatchError(f"invalid patch format of {what}", 400)
    return rest


def _apply_retain_keys(original: dict[str, Any], patch: dict[str, Any]) -> None:
    """`$retainKeys`: every patched member must be listed; unlisted live members go."""
    if _RETAIN_KEYS not in patch:
        return
    retain = patch.pop(_RETAIN_KEYS)
    if not isinstance(retain, list):
        raise StrategicMergePatchError(_BAD_RETAIN_KEYS, 400)
    keep = {k for k in retain if isinstance(k, str)}
    for k, v in patch.items():
        if v is None or k.startswith((_DELETE_PRIMITIVE, _SET_ORDER)):
            continue
        if k not in keep:
            raise StrategicMergePatchError(_BAD_RETAIN_KEYS, 400)
    for k in [k for k in original if k not in keep]:
        del original[k]


# ---------------------------------------------------------------------------
# Lists

def _merge_list(original: list[Any], patch: Any, ctx: _Ctx, strategy: str, merge_key: str,
                is_delete_list: bool) -> list[Any]:
    """mergeSliceHandler: merge for the merge strategy or a deletion list, else the patch's."""
    if not isinstance(patch, list):
        raise _bad_arg_type(_SLICE, patch)
    if strategy != "merge" and not is_delete_list:
        cleaned, _ = _clean(patch)
        return list(cleaned)
    if not original and not patch:
        return original
    kind = _element_kind(original, patch)
    item_ctx = _item_ctx(ctx)
    if kind != "map":
        if is_delete_list:
            return [v for v in original if not any(_go_eq(v, d) for d in patch)]
        merged = _dedupe([*original, *patch])
    else:
        if not merge_key:
            raise StrategicMergePatchError("cannot merge lists without merge key for struct")
        original, patch = _apply_list_directives(original, patch, merge_key)
        merged = _merge_by_key(original, patch, merge_key, item_ctx)
    if merge_key:
        in_patch, server_only = _partition_maps(merged, patch, merge_key)
    else:
        in_patch, server_only = _partition_scalars(merged, patch)
    return _normalize_order(in_patch, server_only, patch, original, merge_key, kind)


def _element_kind(*lists: list[Any]) -> str:
    """sliceElementType: every element must have one JSON type; no lists of lists."""
    seen: str | None = None
    for items in lists:
        for v in items:
            t = "map" if isinstance(v, dict) else _go_type(v)
            if seen is None:
                if isinstance(v, list):
                    raise StrategicMergePatchError("lists of lists are not supported", 422)
                seen = t
            elif t != seen:
                raise StrategicMergePatchError(
                    f"list element types are not identical: {_go(list(lists))}")
    if seen is None:
        raise StrategicMergePatchError("no elements in any of the given slices")
    return seen


def _dedupe(values: list[Any]) -> list[Any]:
    out: list[Any] = []
    for v in values:
        if not any(_go_eq(v, o) for o in out):
            out.append(v)
    return out


def _find(items: list[Any], key: str, value: Any) -> int | None:
    """findMapInSliceBasedOnKeyValue: the first element whose merge key equals value."""
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            raise StrategicMergePatchError(f"value for key {i} is not a map")
        if key in item and _go_eq(item[key], value):
            return i
    return None


def _apply_list_directives(original: list[Any], patch: list[Any], key: str
                           ) -> tuple[list[Any], list[Any]]:
    """mergeSliceWithSpecialElements: deletions and replace; returns (live, patch) left."""
    rest: list[Any] = []
    replace = False
    for item in patch:
        if _DIRECTIVE not in item:
            rest.append(item)
            continue
        directive = item[_DIRECTIVE]
        if directive == "delete":
            if key not in item:
                raise _no_merge_key(item, key)
            while (i := _find(original, key, item[key])) is not None:
                original = original[:i] + original[i + 1:]
        elif directive == "replace":
            replace = True
        elif directive == "merge":
            raise StrategicMergePatchError("merging lists cannot yet be specified in the patch")
        else:
            raise _bad_patch_type(directive, item)
    if replace:
        cleaned, _ = _clean(rest)
        return list(cleaned), []
    return original, rest


def _merge_by_key(original: list[Any], patch: list[Any], key: str, item_ctx: _Ctx
                  ) -> list[Any]:
    """mergeSliceWithoutSpecialElements: merge same-key elements, append the others."""
    merged = list(original)
    for item in patch:
        if key not in item:
            raise _no_merge_key(item, key)
        i = _find(merged, key, item[key])
        if i is not None:
            merged[i] = _merge_map(merged[i], item, item_ctx)
        else:
            cleaned, keep = _clean(item)
            if keep:
                merged.append(cleaned)
    return merged


def _partition_scalars(items: list[Any], by: list[Any]) -> tuple[list[Any], list[Any]]:
    inside = [v for v in items if any(_go_eq(v, b) for b in by)]
    return inside, [v for v in items if not any(_go_eq(v, b) for b in by)]


def _partition_maps(items: list[Any], by: list[Any], key: str) -> tuple[list[Any], list[Any]]:
    inside: list[Any] = []
    outside: list[Any] = []
    for item in items:
        if not isinstance(item, dict):
            raise _bad_arg_type(_MAP, item)
        if key not in item:
            raise _no_merge_key(item, key)
        (inside if _find(by, key, item[key]) is not None else outside).append(item)
    return inside, outside


def _index(order: list[Any], item: Any, key: str, kind: str) -> int:
    """Position of item in order (by merge key for objects); -1 if absent."""
    def val(v: Any) -> Any:
        return v.get(key) if kind == "map" and isinstance(v, dict) else v
    wanted = val(item)
    for i, v in enumerate(order):
        if _go_eq(val(v), wanted):
            return i
    return -1


def _normalize_order(in_patch: list[Any], server_only: list[Any], patch_order: list[Any],
                     server_order: list[Any], key: str, kind: str) -> list[Any]:
    """normalizeElementOrder: sort both parts, then interleave them by live order."""
    left = _sort_by(server_only, server_order, key, kind)
    right = _sort_by(in_patch, patch_order, key, kind)
    out: list[Any] = []
    i = j = 0
    while i < len(left) or j < len(right):
        if j >= len(right):
            out.append(left[i])
            i += 1
        elif i >= len(left):
            out.append(right[j])
            j += 1
        else:
            li = _index(server_order, left[i], key, kind)
            ri = _index(server_order, right[j], key, kind)
            if li >= 0 and ri >= 0 and li < ri:
                out.append(left[i])
                i += 1
            else:
                out.append(right[j])
                j += 1
    return out


def _sort_by(items: list[Any], order: list[Any], key: str, kind: str) -> list[Any]:
    """normalizeSliceOrder: stable sort by position in order; deletions go last."""
    deleted: list[Any] = []
    if kind == "map":
        for v in [*items, *order]:
            if not isinstance(v, dict):
                raise _bad_arg_type(_MAP, v)
            if key not in v:
                raise _no_merge_key(v, key)
        deleted = [v for v in items if v.get(_DIRECTIVE) == "delete"]
        items = [v for v in items if v.get(_DIRECTIVE) != "delete"]

    def position(v: Any) -> int:
        i = _index(order, v, key, kind)
        return i if i >= 0 else len(order)
    return sorted(items, key=position) + deleted


def _merge_ordered_lists(original: dict[str, Any], patch: dict[str, Any], ctx: _Ctx) -> None:
    """mergePatchIntoOriginal: merge each list named by `$setElementOrder/<field>`, in order."""
    for directive in [k for k in patch if k.startswith(_SET_ORDER)]:
        order = patch.pop(directive)
        if not isinstance(order, list):
            raise _bad_arg_type(_SLICE, order)
        key = _extract_key(directive, _SET_ORDER)
        in_original, in_patch = key in original, key in patch
        live: list[Any] = []
        patched: list[Any] = []
        if in_original:
            if not isinstance(original[key], list):
                raise _bad_arg_type(_SLICE, original[key])
            live = original[key]
        if in_patch:
            if not isinstance(patch[key], list):
                raise _bad_arg_type(_SLICE, patch[key])
            patched = patch[key]
        sub, strategy, merge_key = _field_meta(ctx, key)
        _check_order(patched, order, merge_key)
        if in_original and in_patch:
            merged = _merge_list(live, patched, sub, strategy, merge_key, False)
        elif in_patch:
            cleaned, _ = _clean(patched)
            merged = list(cleaned)
        elif in_original:
            merged = live
        else:
            continue
        if merge_key:
            inside, outside = _partition_maps(merged, order, merge_key)
        else:
            inside, outside = _partition_scalars(merged, order)
        kind = _element_kind(live, patched)
        original[key] = _normalize_order(inside, outside, order, live, merge_key, kind)
        patch.pop(key, None)


def _check_order(patched: list[Any], order: list[Any], key: str) -> None:
    """validatePatchWithSetOrderList: the patch list must follow the order list."""
    if not order or not patched:
        return
    items = patched
    if key:
        for v in patched:
            if not isinstance(v, dict):
                raise _bad_arg_type(_MAP, v)
        items = [v for v in patched if v.get(_DIRECTIVE) != "delete"]
    p = s = 0
    while p < len(items) and s < len(order):
        if isinstance(items[p], dict) and _DIRECTIVE in items[p]:
            p += 1
            continue
        if _same_element(items[p], order[s], key):
            p += 1
        s += 1
    if p < len(items) and s >= len(order):
        raise StrategicMergePatchError(
            f"The order in patch list:\n{_go(patched)}\n doesn't match {_SET_ORDER} list:\n"
            f"{_go(order)}\n")


def _same_element(a: Any, b: Any, key: str) -> bool:
    if not key:
        return _go_eq(a, b)
    for v in (a, b):
        if not isinstance(v, dict):
            raise _bad_arg_type(_MAP, v)
        if key not in v:
            raise _no_merge_key(v, key)
    return _go_eq(a[key], b[key])
