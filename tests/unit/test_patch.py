"""JSON Patch (RFC 6902) and JSON Merge Patch (RFC 7386) on plain documents."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from pyk8s.api.errors import APIError
from pyk8s.api.patch import (
    JSON_PATCH_REJECTED,
    MAX_JSON_PATCH_OPERATIONS,
    JSONPatchError,
    deep_copy,
    json_patch,
    merge_patch,
)


def rejected(doc: Any, ops: Any) -> str:
    """Apply a patch that must not apply; return the library's reason."""
    before = copy.deepcopy(doc)
    with pytest.raises(APIError) as info:
        json_patch(doc, ops)
    err = info.value
    assert err.code == 422
    assert err.reason == "Invalid"
    assert err.message == JSON_PATCH_REJECTED
    assert err.details == {}
    assert isinstance(err.__cause__, JSONPatchError)
    assert doc == before  # all-or-nothing, input untouched
    return str(err.__cause__)


def bad_body(ops: Any) -> str:
    with pytest.raises(APIError) as info:
        json_patch({"a": 1}, ops)
    assert info.value.code == 400
    assert info.value.reason == "BadRequest"
    return info.value.message


# --- RFC 6902 appendix A, with our own documents ---------------------------------

def test_a1_add_object_member() -> None:
    doc = {"kind": "Pod"}
    assert json_patch(doc, [{"op": "add", "path": "/apiVersion", "value": "v1"}]) == {
        "kind": "Pod", "apiVersion": "v1"}


def test_a2_add_array_element() -> None:
    doc = {"args": ["--a", "--c"]}
    assert json_patch(doc, [{"op": "add", "path": "/args/1", "value": "--b"}]) == {
        "args": ["--a", "--b", "--c"]}


def test_a3_remove_object_member() -> None:
    doc = {"name": "web", "debug": True}
    assert json_patch(doc, [{"op": "remove", "path": "/debug"}]) == {"name": "web"}


def test_a4_remove_array_element() -> None:
    doc = {"ports": [80, 443, 8080]}
    assert json_patch(doc, [{"op": "remove", "path": "/ports/1"}]) == {"ports": [80, 8080]}


def test_a5_replace_value() -> None:
    doc = {"image": "nginx:1.24", "name": "web"}
    assert json_patch(doc, [{"op": "replace", "path": "/image", "value": "nginx:1.25"}]) == {
        "image": "nginx:1.25", "name": "web"}


def test_a6_move_value() -> None:
    doc = {"old": {"label": "x", "keep": 1}, "new": {"other": 2}}
    out = json_patch(doc, [{"op": "move", "from": "/old/label", "path": "/new/label"}])
    assert out == {"old": {"keep": 1}, "new": {"other": 2, "label": "x"}}


def test_a7_move_array_element() -> None:
    doc = {"steps": ["build", "test", "lint", "ship"]}
    out = json_patch(doc, [{"op": "move", "from": "/steps/1", "path": "/steps/3"}])
    assert out == {"steps": ["build", "lint", "ship", "test"]}


def test_a8_test_success() -> None:
    doc = {"replicas": 3, "tags": ["a", 1, ["x", "y"]]}
    ops = [
        {"op": "test", "path": "/replicas", "value": 3},
        {"op": "test", "path": "/tags", "value": ["a", 1, ["x", "y"]]},
    ]
    assert json_patch(doc, ops) == doc


def test_a9_test_error() -> None:
    msg = rejected({"replicas": 3}, [{"op": "test", "path": "/replicas", "value": 4}])
    assert msg == "testing value /replicas failed: test failed"


def test_a10_add_nested_member_object() -> None:
    doc = {"metadata": {"name": "web"}}
    out = json_patch(doc, [{"op": "add", "path": "/metadata/labels",
                            "value": {"app": "web"}}])
    assert out == {"metadata": {"name": "web", "labels": {"app": "web"}}}


def test_a11_ignore_unrecognized_members() -> None:
    doc = {"a": 1}
    out = json_patch(doc, [{"op": "add", "path": "/b", "value": 2, "comment": "ignored"}])
    assert out == {"a": 1, "b": 2}


def test_a12_add_to_nonexistent_target() -> None:
    msg = rejected({"a": 1}, [{"op": "add", "path": "/spec/replicas", "value": 2}])
    assert msg == 'add operation does not apply: doc is missing path: "/spec/replicas": ' \
        "missing value"


def test_a14_escape_ordering() -> None:
    doc = {"/": 9, "~1": 10}
    assert json_patch(doc, [{"op": "test", "path": "/~01", "value": 10}]) == doc
    assert json_patch(doc, [{"op": "test", "path": "/~1", "value": 9}]) == doc


def test_a15_strings_are_not_numbers() -> None:
    doc = {"/": 9, "~1": 10}
    msg = rejected(doc, [{"op": "test", "path": "/~01", "value": "10"}])
    assert msg == "testing value /~01 failed: test failed"


def test_a16_add_array_value() -> None:
    doc = {"items": ["x"]}
    out = json_patch(doc, [{"op": "add", "path": "/items/-", "value": ["y", "z"]}])
    assert out == {"items": ["x", ["y", "z"]]}


# --- more operations -------------------------------------------------------------

def test_pointer_escapes_in_keys() -> None:
    doc: dict[str, Any] = {"metadata": {"annotations": {}}}
    out = json_patch(doc, [
        {"op": "add", "path": "/metadata/annotations/example.com~1owner", "value": "me"},
        {"op": "add", "path": "/metadata/annotations/tilde~0key", "value": "t"},
    ])
    assert out["metadata"]["annotations"] == {"example.com/owner": "me", "tilde~key": "t"}


def test_add_replaces_existing_member() -> None:
    assert json_patch({"a": 1}, [{"op": "add", "path": "/a", "value": 2}]) == {"a": 2}


def test_add_append_and_insert() -> None:
    doc = {"l": [1, 2]}
    assert json_patch(doc, [{"op": "add", "path": "/l/-", "value": 3}]) == {"l": [1, 2, 3]}
    assert json_patch(doc, [{"op": "add", "path": "/l/2", "value": 3}]) == {"l": [1, 2, 3]}
    assert json_patch(doc, [{"op": "add", "path": "/l/0", "value": 0}]) == {"l": [0, 1, 2]}
    # Negative indices count from the end (evanphx/json-patch, as in Kubernetes).
    assert json_patch(doc, [{"op": "add", "path": "/l/-1", "value": 3}]) == {"l": [1, 2, 3]}


def test_add_without_value_adds_null() -> None:
    assert json_patch({}, [{"op": "add", "path": "/a"}]) == {"a": None}


def test_add_into_nested_arrays_and_objects() -> None:
    doc = {"spec": {"containers": [{"name": "c", "env": []}]}}
    out = json_patch(doc, [{"op": "add", "path": "/spec/containers/0/env/-",
                            "value": {"name": "X", "value": "1"}}])
    assert out["spec"]["containers"][0]["env"] == [{"name": "X", "value": "1"}]


def test_remove_negative_index() -> None:
    assert json_patch({"l": [1, 2, 3]}, [{"op": "remove", "path": "/l/-1"}]) == {"l": [1, 2]}


def test_replace_array_element_and_whole_document() -> None:
    doc = {"l": [1, 2]}
    assert json_patch(doc, [{"op": "replace", "path": "/l/1", "value": 9}]) == {"l": [1, 9]}
    assert json_patch(doc, [{"op": "replace", "path": "/l/-2", "value": 0}]) == {"l": [0, 2]}
    assert json_patch(doc, [{"op": "replace", "path": "", "value": {"b": 1}}]) == {"b": 1}


def test_replace_missing_member_adds_it_like_kubernetes() -> None:
    assert json_patch({"a": 1}, [{"op": "replace", "path": "/b", "value": 2}]) == {
        "a": 1, "b": 2}


def test_copy() -> None:
    doc = {"a": {"x": [1]}, "b": {}}
    out = json_patch(doc, [{"op": "copy", "from": "/a", "path": "/b/a"}])
    assert out == {"a": {"x": [1]}, "b": {"a": {"x": [1]}}}
    out["b"]["a"]["x"].append(2)
    assert out["a"] == {"x": [1]}  # a real copy
    assert json_patch({"l": [5, 6]}, [{"op": "copy", "from": "/l/0", "path": "/l/-"}]) == {
        "l": [5, 6, 5]}


def test_copy_from_missing_member_copies_null() -> None:
    assert json_patch({"a": 1}, [{"op": "copy", "from": "/nope", "path": "/b"}]) == {
        "a": 1, "b": None}


def test_test_null_and_missing() -> None:
    doc = {"a": None}
    assert json_patch(doc, [{"op": "test", "path": "/a", "value": None}]) == doc
    assert json_patch(doc, [{"op": "test", "path": "/missing", "value": None}]) == doc
    assert json_patch(doc, [{"op": "test", "path": "/missing"}]) == doc
    assert rejected({"a": 1}, [{"op": "test", "path": "/a", "value": None}]) == (
        "testing value /a failed: test failed")
    assert rejected({"a": 1}, [{"op": "test", "path": "/a"}]) == (
        "testing value /a failed: test failed")
    assert rejected({}, [{"op": "test", "path": "/a", "value": 1}]) == (
        "testing value /a failed: test failed")


def test_test_type_strictness() -> None:
    assert rejected({"a": True}, [{"op": "test", "path": "/a", "value": 1}])
    assert rejected({"a": 1}, [{"op": "test", "path": "/a", "value": True}])
    assert rejected({"a": {"x": 1}}, [{"op": "test", "path": "/a", "value": {"x": 1, "y": None}}])
    assert rejected({"a": [1, 2]}, [{"op": "test", "path": "/a", "value": [2, 1]}])
    assert json_patch({"a": 1}, [{"op": "test", "path": "/a", "value": 1.0}]) == {"a": 1}


def test_test_whole_document() -> None:
    doc = {"a": [1]}
    assert json_patch(doc, [{"op": "test", "path": "", "value": {"a": [1]}}]) == doc
    assert rejected(doc, [{"op": "test", "path": "", "value": {"a": [2]}}]) == (
        "testing value  failed: test failed")


def test_operations_apply_in_order() -> None:
    ops = [
        {"op": "add", "path": "/metadata/labels", "value": {}},
        {"op": "add", "path": "/metadata/labels/app", "value": "web"},
        {"op": "test", "path": "/metadata/labels/app", "value": "web"},
        {"op": "move", "from": "/metadata/labels/app", "path": "/metadata/labels/name"},
    ]
    assert json_patch({"metadata": {}}, ops) == {"metadata": {"labels": {"name": "web"}}}


def test_empty_and_null_patch() -> None:
    doc = {"a": 1}
    assert json_patch(doc, []) == doc
    assert json_patch(doc, None) == doc


# --- inputs are never mutated ----------------------------------------------------

def test_inputs_not_mutated() -> None:
    doc = {"a": {"b": [1, 2]}, "c": "x"}
    value = {"deep": [1]}
    ops = [
        {"op": "add", "path": "/a/b/-", "value": value},
        {"op": "remove", "path": "/c"},
        {"op": "replace", "path": "/a/b/0", "value": 7},
    ]
    doc_before, ops_before = copy.deepcopy(doc), copy.deepcopy(ops)
    out = json_patch(doc, ops)
    assert out == {"a": {"b": [7, 2, {"deep": [1]}]}}
    assert doc == doc_before
    assert ops == ops_before
    out["a"]["b"][2]["deep"].append(2)
    assert value == {"deep": [1]}


def test_failed_patch_leaves_input_alone() -> None:
    doc = {"a": 1}
    ops = [{"op": "add", "path": "/b", "value": 2}, {"op": "remove", "path": "/zzz"}]
    assert rejected(doc, ops) == (
        "error in remove for path: '/zzz': Unable to remove nonexistent key: zzz: missing value")


# --- errors: 422 with evanphx/json-patch's reasons --------------------------------

@pytest.mark.parametrize(("doc", "op", "reason"), [
    ({"a": 1}, {"op": "remove", "path": "/b/c"},
     'remove operation does not apply: doc is missing path: "/b/c": missing value'),
    ({"l": [1]}, {"op": "remove", "path": "/l/5"},
     "error in remove for path: '/l/5': Unable to access invalid index: 5: invalid index "
     "referenced"),
    ({"l": [1]}, {"op": "remove", "path": "/l/-2"},
     "error in remove for path: '/l/-2': Unable to access invalid index: -2: invalid index "
     "referenced"),
    ({"l": [1]}, {"op": "remove", "path": "/l/x"},
     "error in remove for path: '/l/x': strconv.Atoi: parsing \"x\": invalid syntax"),
    ({"l": [1]}, {"op": "add", "path": "/l/3", "value": 0},
     "error in add for path: '/l/3': Unable to access invalid index: 3: invalid index "
     "referenced"),
    ({"l": [1]}, {"op": "add", "path": "/l/x", "value": 0},
     "error in add for path: '/l/x': value was not a proper array index: 'x': strconv.Atoi: "
     "parsing \"x\": invalid syntax"),
    ({"l": [1]}, {"op": "replace", "path": "/l/1", "value": 0},
     "replace operation does not apply: doc is missing key: /l/1: missing value"),
    ({"l": [1]}, {"op": "replace", "path": "/l/-", "value": 0},
     "replace operation does not apply: doc is missing key: /l/-: missing value"),
    ({"a": 1}, {"op": "replace", "path": "/x/y", "value": 0},
     "replace operation does not apply: doc is missing path: /x/y: missing value"),
    ({"a": 1}, {"op": "replace", "path": "", "value": 5},
     "replace operation value must be object or array"),
    ({"a": 1}, {"op": "move", "from": "/x/y", "path": "/b"},
     "move operation does not apply: doc is missing from path: /x/y: missing value"),
    ({"a": 1}, {"op": "move", "from": "/x", "path": "/b"},
     "error in move for path: 'x': Unable to remove nonexistent key: x: missing value"),
    ({"a": 1}, {"op": "move", "from": "/a", "path": "/q/r"},
     "move operation does not apply: doc is missing destination path: /q/r: missing value"),
    ({"a": {"b": 1}}, {"op": "move", "from": "/a", "path": "/a/b"},
     "move operation does not apply: doc is missing destination path: /a/b: missing value"),
    ({"a": 1}, {"op": "copy", "from": "/x/y", "path": "/b"},
     "copy operation does not apply: doc is missing from path: /x/y: missing value"),
    ({"a": 1}, {"op": "copy", "from": "/a", "path": "/q/r"},
     "copy operation does not apply: doc is missing destination path: /q/r: missing value"),
    ({"l": [1]}, {"op": "copy", "from": "/l/4", "path": "/b"},
     "error in copy for from: '/l/4': Unable to access invalid index: 4: invalid index "
     "referenced"),
    ({"a": 1}, {"op": "test", "path": "/x/y", "value": 1},
     "test operation does not apply: is missing path: /x/y: missing value"),
    ({"l": [1]}, {"op": "test", "path": "/l/3", "value": 1},
     "error in test for path: '/l/3': Unable to access invalid index: 3: invalid index "
     "referenced"),
    ({"a": "str"}, {"op": "add", "path": "/a/b", "value": 1},
     'add operation does not apply: doc is missing path: "/a/b": missing value'),
    ({"a": None}, {"op": "add", "path": "/a/b", "value": 1},
     'add operation does not apply: doc is missing path: "/a/b": missing value'),
    ({"a": 1}, {"op": "add", "path": "", "value": {}},
     'add operation does not apply: doc is missing path: "": missing value'),
    ({"a": 1}, {"op": "add", "value": 1}, "add operation failed to decode path: missing value"),
    ({"a": 1}, {"op": "add", "path": 5, "value": 1},
     "add operation failed to decode path: missing value"),
    ({"a": 1}, {"op": "remove"}, "remove operation failed to decode path: missing value"),
    ({"a": 1}, {"op": "replace", "path": None},
     "replace operation failed to decode path: operation missing path field: missing value"),
    ({"a": 1}, {"op": "test", "path": 1},
     "test operation failed to decode path: json: cannot unmarshal number into Go value of "
     "type string"),
    ({"a": 1}, {"op": "move", "path": "/b"},
     "move operation failed to decode from: operation, missing from field: missing value"),
    ({"a": 1}, {"op": "copy", "path": "/b"},
     "copy operation failed to decode from: operation, missing from field: missing value"),
    ({"a": 1}, {"op": "copy", "from": "/a"}, "copy operation failed to decode path: missing value"),
    ({"a": 1}, {"op": "frobnicate", "path": "/a"}, "Unexpected kind: frobnicate"),
    ({"a": 1}, {"path": "/a"}, "Unexpected kind: unknown"),
    ({"a": 1}, {"op": 3, "path": "/a"}, "Unexpected kind: unknown"),
])
def test_operation_errors(doc: Any, op: dict[str, Any], reason: str) -> None:
    assert rejected(doc, [op]) == reason


def test_null_operation_is_unexpected_kind() -> None:
    assert rejected({"a": 1}, [None]) == "Unexpected kind: unknown"


# --- errors: malformed bodies ---------------------------------------------------

@pytest.mark.parametrize(("body", "message"), [
    ({"op": "add"}, "json: cannot unmarshal object into Go value of type jsonpatch.Patch"),
    ("add", "json: cannot unmarshal string into Go value of type jsonpatch.Patch"),
    (5, "json: cannot unmarshal number into Go value of type jsonpatch.Patch"),
    (True, "json: cannot unmarshal bool into Go value of type jsonpatch.Patch"),
    ([1], "json: cannot unmarshal number into Go value of type jsonpatch.Operation"),
    ([["op"]], "json: cannot unmarshal array into Go value of type jsonpatch.Operation"),
    ([{"op": "add", "path": "/a", "value": 1}, "x"],
     "json: cannot unmarshal string into Go value of type jsonpatch.Operation"),
])
def test_body_not_a_list_of_operations(body: Any, message: str) -> None:
    assert bad_body(body) == message


def test_too_many_operations() -> None:
    ops = [{"op": "test", "path": "/a", "value": 1}] * (MAX_JSON_PATCH_OPERATIONS + 1)
    with pytest.raises(APIError) as info:
        json_patch({"a": 1}, ops)
    assert info.value.code == 413
    assert info.value.reason == "RequestEntityTooLarge"
    assert info.value.message == (
        "The allowed maximum operations in a JSON patch is 10000, got 10001")
    assert json_patch({"a": 1}, ops[:MAX_JSON_PATCH_OPERATIONS]) == {"a": 1}


def test_rejection_status_body() -> None:
    with pytest.raises(APIError) as info:
        json_patch({}, [{"op": "remove", "path": "/a"}])
    assert info.value.status() == {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": "the server rejected our request due to an error in our request",
        "reason": "Invalid",
        "code": 422,
    }


# --- deep_copy -------------------------------------------------------------------

def test_deep_copy() -> None:
    doc = {"a": [1, {"b": None}], "big": 2**70, "f": 1.5, "t": True}
    out = deep_copy(doc)  # the >64-bit int takes the deepcopy fallback
    assert out == doc
    assert out["a"] is not doc["a"]
    small = {"a": [1, {"b": "x"}]}
    out2 = deep_copy(small)
    assert out2 == small and out2["a"][1] is not small["a"][1]
    assert deep_copy("s") == "s" and deep_copy(None) is None


# --- JSON Merge Patch: RFC 7386 appendix A, in our own words -------------------------

@pytest.mark.parametrize(("target", "patch", "result"), [
    ({"a": "b"}, {"a": "c"}, {"a": "c"}),
    ({"a": "b"}, {"b": "c"}, {"a": "b", "b": "c"}),
    ({"a": "b"}, {"a": None}, {}),
    ({"a": "b", "b": "c"}, {"a": None}, {"b": "c"}),
    ({"a": ["b"]}, {"a": "c"}, {"a": "c"}),
    ({"a": "c"}, {"a": ["b"]}, {"a": ["b"]}),
    ({"a": {"b": "c"}}, {"a": {"b": "d", "c": None}}, {"a": {"b": "d"}}),
    ({"a": [{"b": "c"}]}, {"a": [1]}, {"a": [1]}),
    (["a", "b"], ["c", "d"], ["c", "d"]),
    ({"a": "b"}, ["c"], ["c"]),
    ({"a": "foo"}, None, None),
    ({"a": "foo"}, "bar", "bar"),
    ({"e": None}, {"a": 1}, {"e": None, "a": 1}),
    ([1, 2], {"a": "b", "c": None}, {"a": "b"}),
    ({}, {"a": {"bb": {"ccc": None}}}, {"a": {"bb": {}}}),
])
def test_rfc7386_examples(target: Any, patch: Any, result: Any) -> None:
    assert merge_patch(target, patch) == result


def test_merge_patch_kubernetes_shapes() -> None:
    pod = {
        "metadata": {"name": "web", "labels": {"app": "web", "tier": "fe"}},
        "spec": {"containers": [{"name": "c", "image": "nginx:1.24"}], "nodeName": "n1"},
    }
    out = merge_patch(pod, {
        "metadata": {"labels": {"tier": None, "env": "prod"}, "annotations": {"a": "b"}},
        "spec": {"containers": [{"name": "c", "image": "nginx:1.25"}], "nodeName": None},
    })
    assert out == {
        "metadata": {"name": "web", "labels": {"app": "web", "env": "prod"},
                     "annotations": {"a": "b"}},
        "spec": {"containers": [{"name": "c", "image": "nginx:1.25"}]},
    }


def test_merge_patch_prunes_nulls_in_new_values_like_kubernetes() -> None:
    # A replacing value has its null members dropped, inside arrays too.
    out = merge_patch({"a": 1}, {"b": {"c": None, "d": [{"e": None, "f": 1}, None]}})
    assert out == {"a": 1, "b": {"d": [{"f": 1}, None]}}


def test_merge_patch_does_not_mutate_inputs() -> None:
    doc = {"a": {"b": [1]}, "c": 1}
    patch = {"a": {"x": {"y": [2]}}, "c": None}
    doc_before, patch_before = copy.deepcopy(doc), copy.deepcopy(patch)
    out = merge_patch(doc, patch)
    assert out == {"a": {"b": [1], "x": {"y": [2]}}}
    out["a"]["b"].append(9)
    out["a"]["x"]["y"].append(9)
    assert doc == doc_before
    assert patch == patch_before


def test_merge_patch_empty_patch_is_identity_copy() -> None:
    doc = {"a": {"b": 1}}
    out = merge_patch(doc, {})
    assert out == doc and out is not doc and out["a"] is not doc["a"]
