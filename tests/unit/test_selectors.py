"""Label and field selectors: parsing, matching, rendering and error messages."""

from __future__ import annotations

import dataclasses
import time

import pytest

from pyk8s.api.errors import APIError
from pyk8s.api.selectors import (
    EVERYTHING,
    NOTHING,
    OP_DOES_NOT_EXIST,
    OP_EQUALS,
    OP_EXISTS,
    OP_IN,
    OP_NOT_IN,
    FieldSelector,
    LabelSelector,
    Requirement,
    SelectorError,
    escape_field_value,
    label_key_errors,
    new_requirement,
    parse_field_selector,
    parse_label_selector,
    selector_from_map,
    selector_from_object,
    to_string,
)

NAME_PART_MSG = (
    "name part must consist of alphanumeric characters, '-', '_' or '.', and must start "
    "and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', "
    "regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
)
VALUE_MSG = (
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' "
    "or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or "
    "'my_value',  or '12345', regex used for validation is "
    "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
)


def bad_label(text: str) -> str:
    with pytest.raises(APIError) as info:
        parse_label_selector(text)
    assert info.value.code == 400
    assert info.value.reason == "BadRequest"
    return info.value.message


def bad_field(text: str) -> str:
    with pytest.raises(APIError) as info:
        parse_field_selector(text)
    assert info.value.code == 400
    assert info.value.reason == "BadRequest"
    return info.value.message


# --- label selector strings: parsing -----------------------------------------

@pytest.mark.parametrize("text", ["", None])
def test_empty_selector_is_everything(text: str | None) -> None:
    sel = parse_label_selector(text)
    assert sel.empty
    assert sel.matches({})
    assert sel.matches(None)
    assert sel.matches({"a": "b"})
    assert str(sel) == ""


def test_whitespace_only_is_everything() -> None:
    sel = parse_label_selector("  \t ")
    assert sel.empty and sel.matches({"x": "y"})


@pytest.mark.parametrize(("text", "key", "op", "values"), [
    ("a=b", "a", "=", ("b",)),
    ("a==b", "a", "==", ("b",)),
    ("a!=b", "a", "!=", ("b",)),
    ("a in (x,y)", "a", "in", ("x", "y")),
    ("a in (y,x,y)", "a", "in", ("x", "y")),  # deduplicated and sorted
    ("a notin (x)", "a", "notin", ("x",)),
    ("a", "a", "exists", ()),
    ("!a", "a", "!", ()),
    ("a>5", "a", "gt", ("5",)),
    ("a<5", "a", "lt", ("5",)),
    ("a=", "a", "=", ("",)),
    ("a in ()", "a", "in", ("",)),
    ("a in (,x)", "a", "in", ("", "x")),
    ("a in (x,)", "a", "in", ("", "x")),
    ("a in (x,,y)", "a", "in", ("", "x", "y")),
    ("example.com/app-name=web", "example.com/app-name", "=", ("web",)),
    ("in=notin", "in", "=", ("notin",)),  # keywords are identifiers where values go
    ("a in (in,notin)", "a", "in", ("in", "notin")),
])
def test_parse_single_requirement(text: str, key: str, op: str, values: tuple[str, ...]
                                  ) -> None:
    sel = parse_label_selector(text)
    assert sel.requirements == (Requirement(key, op, values),)
    assert not sel.empty


def test_parse_is_whitespace_tolerant_and_sorted_by_key() -> None:
    sel = parse_label_selector("  tier  in ( b , a ) ,  app = web ,\t!canary,\nenv!=qa ")
    assert [r.key for r in sel.requirements] == ["app", "canary", "env", "tier"]
    assert str(sel) == "app=web,!canary,env!=qa,tier in (a,b)"


def test_kubernetes_doc_example() -> None:
    sel = parse_label_selector("x in (foo,,baz),y,z notin ()")
    assert str(sel) == "x in (,baz,foo),y,z notin ()"


@pytest.mark.parametrize("text", [
    "a=b", "a==b", "a!=b", "a in (x,y)", "a notin (x)", "a", "!a", "a>1", "a<1",
    "a=b,c in (d,e),!f,g",
])
def test_str_round_trips(text: str) -> None:
    sel = parse_label_selector(text)
    assert parse_label_selector(str(sel)) == sel
    assert str(sel) == text


# --- label selector strings: errors (kube-apiserver's messages) ---------------

def test_error_missing_operator() -> None:
    assert bad_label("a b") == (
        "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt")


def test_error_trailing_garbage() -> None:
    assert bad_label("a=b c") == "found 'c', expected: ',' or 'end of string'"
    assert bad_label("a=b=c") == "found '=', expected: ',' or 'end of string'"
    assert bad_label("!a=b") == "found '=', expected: ',' or 'end of string'"


def test_error_dangling_comma() -> None:
    assert bad_label("a,") == "found '', expected: identifier after ','"
    assert bad_label("a,,b") == "found ',', expected: identifier after ','"


def test_error_leading_symbol() -> None:
    assert bad_label(",a") == "found ',', expected: !, identifier, or 'end of string'"
    assert bad_label("=a") == "found '=', expected: !, identifier, or 'end of string'"


def test_error_not_without_key() -> None:
    assert bad_label("!") == "unable to parse requirement: found '', expected: identifier"
    assert bad_label("!=a") == (
        "found '!=', expected: !, identifier, or 'end of string'")


def test_error_set_syntax() -> None:
    assert bad_label("a in b") == "unable to parse requirement: found 'b' expected: '('"
    assert bad_label("a in (b") == "unable to parse requirement: found '', expected: ',' or ')'"
    assert bad_label("a in (b c)") == (
        "unable to parse requirement: found 'c', expected: ',' or ')'")
    assert bad_label("a in (=)") == (
        "unable to parse requirement: found '=', expected: ',', ')' or identifier")
    assert bad_label("a in (,=)") == (
        "unable to parse requirement: found '=', expected: ',', or identifier")


def test_error_exact_value_syntax() -> None:
    assert bad_label("a=(b)") == "unable to parse requirement: found '(', expected: identifier"


def test_error_invalid_key() -> None:
    assert bad_label("-a=b") == (
        f'unable to parse requirement: <nil>: Invalid value: "-a": {NAME_PART_MSG}')
    assert bad_label("*bar") == (
        f'unable to parse requirement: <nil>: Invalid value: "*bar": {NAME_PART_MSG}')


def test_error_invalid_key_prefix_and_length() -> None:
    msg = bad_label("Bad_Prefix/app=x")
    assert msg.startswith('unable to parse requirement: <nil>: Invalid value: "Bad_Prefix/app": '
                          "prefix part a lowercase RFC 1123 subdomain must consist of")
    msg = bad_label("a" * 64)
    assert msg.endswith("name part must be no more than 63 characters")
    assert "Invalid value: \"a/b/c\": a qualified name must consist of" in bad_label("a/b/c")


def test_error_invalid_value() -> None:
    assert bad_label("a=b/c") == (
        f'unable to parse requirement: values[0][a]: Invalid value: "b/c": {VALUE_MSG}')
    assert bad_label("a in (ok,-bad)") == (
        f'unable to parse requirement: values[0][a]: Invalid value: "-bad": {VALUE_MSG}')
    assert bad_label("a=" + "v" * 64) == (
        f'unable to parse requirement: values[0][a]: Invalid value: "{"v" * 64}": '
        "must be no more than 63 characters")
    assert bad_label("a=_" + "v" * 64).endswith(
        f"must be no more than 63 characters; {VALUE_MSG}")


def test_error_gt_needs_integer() -> None:
    assert bad_label("a>x") == (
        "unable to parse requirement: values[0]: Invalid value: \"x\": for 'Gt', 'Lt' "
        "operators, the value must be an integer")


# --- matching -----------------------------------------------------------------

@pytest.mark.parametrize(("text", "labels", "want"), [
    ("a=b", {"a": "b"}, True),
    ("a=b", {"a": "c"}, False),
    ("a=b", {}, False),
    ("a=b", None, False),
    ("a==b", {"a": "b", "x": "y"}, True),
    ("a=", {"a": ""}, True),
    ("a=", {}, False),
    ("a!=b", {"a": "c"}, True),
    ("a!=b", {"a": "b"}, False),
    ("a!=b", {}, True),  # missing key satisfies !=
    ("a!=", {"a": ""}, False),
    ("a in (x,y)", {"a": "y"}, True),
    ("a in (x,y)", {"a": "z"}, False),
    ("a in (x,y)", {}, False),
    ("a in (x)", {"a": "x"}, True),
    ("a notin (x,y)", {"a": "z"}, True),
    ("a notin (x,y)", {"a": "x"}, False),
    ("a notin (x,y)", {}, True),
    ("a notin (x)", {"a": "x"}, False),
    ("a", {"a": ""}, True),
    ("a", {"b": "a"}, False),
    ("!a", {"b": "a"}, True),
    ("!a", {"a": "x"}, False),
    ("!a", None, True),
    ("a>5", {"a": "6"}, True),
    ("a>5", {"a": "5"}, False),
    ("a>5", {"a": "x"}, False),
    ("a>5", {}, False),
    ("a<5", {"a": "-3"}, True),
    ("a<5", {"a": "7"}, False),
    ("a=b,c=d", {"a": "b", "c": "d"}, True),
    ("a=b,c=d", {"a": "b", "c": "x"}, False),
    ("a=b,a=c", {"a": "b"}, False),  # contradictory
    ("a=b,!c,d in (1,2),e notin (3)", {"a": "b", "d": "2", "e": "4"}, True),
    ("a=b,!c,d in (1,2),e notin (3)", {"a": "b", "d": "2", "e": "3"}, False),
    ("a=b,!c,d in (1,2),e notin (3)", {"a": "b", "c": "", "d": "2"}, False),
])
def test_matches(text: str, labels: dict[str, str] | None, want: bool) -> None:
    sel = parse_label_selector(text)
    assert sel.matches(labels) is want
    # The compiled fast path agrees with requirement-by-requirement matching.
    assert all(r.matches(labels) for r in sel.requirements) is want


def test_requirement_match_by_itself() -> None:
    assert Requirement("a", OP_IN, ("x", "y")).matches({"a": "x"})
    assert not Requirement("a", OP_NOT_IN, ("x",)).matches({"a": "x"})
    assert Requirement("a", OP_EXISTS).matches({"a": "1"})
    assert Requirement("a", OP_DOES_NOT_EXIST).matches(None)
    assert not Requirement("a", "bogus").matches({"a": "1"})


def test_requires_exact_match() -> None:
    sel = parse_label_selector("a=b,c in (d),e in (f,g),h!=i")
    assert sel.requires_exact_match("a") == "b"
    assert sel.requires_exact_match("c") == "d"
    assert sel.requires_exact_match("e") is None
    assert sel.requires_exact_match("h") is None
    assert sel.requires_exact_match("zzz") is None


def test_add_keeps_sorted_and_nothing_stays_nothing() -> None:
    sel = parse_label_selector("b=1").add(Requirement("a", OP_EXISTS))
    assert str(sel) == "a,b=1"
    assert sel.matches({"a": "", "b": "1"})
    assert NOTHING.add(Requirement("a", OP_EXISTS)) is NOTHING


def test_selectors_are_frozen_values() -> None:
    a = parse_label_selector("a=b,c")
    b = parse_label_selector("c, a = b")
    assert a == b
    assert hash(a) == hash(b)
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.nothing = True  # type: ignore[misc]


def test_matching_10000_objects_is_fast() -> None:
    objs = [{"app": "web" if i % 2 else "db", "pod-template-hash": str(i), "env": "prod"}
            for i in range(10000)]
    sel = parse_label_selector("app=web,env in (prod,qa),!canary")
    start = time.perf_counter()
    hits = [o for o in objs if sel.matches(o)]
    elapsed = time.perf_counter() - start
    assert len(hits) == 5000
    assert elapsed < 0.25  # typically ~3 ms


# --- new_requirement ------------------------------------------------------------

def test_new_requirement_errors() -> None:
    with pytest.raises(SelectorError) as info:
        new_requirement("a", OP_IN, [])
    assert str(info.value) == (
        "values: Invalid value: []string{}: for 'in', 'notin' operators, values set can't "
        "be empty")
    with pytest.raises(SelectorError) as info:
        new_requirement("a", OP_EQUALS, ["x", "y"])
    assert str(info.value) == (
        'values: Invalid value: []string{"x", "y"}: exact-match compatibility requires one '
        "single value")
    with pytest.raises(SelectorError) as info:
        new_requirement("a", OP_EXISTS, ["x"])
    assert "values set must be empty for exists and does not exist" in str(info.value)
    with pytest.raises(SelectorError) as info:
        new_requirement("a", "~", [])
    assert str(info.value) == (
        'operator: Unsupported value: "~": supported values: "in", "notin", "=", "==", "!=", '
        '"gt", "lt", "exists", "!"')


def test_new_requirement_aggregates_several_errors() -> None:
    with pytest.raises(SelectorError) as info:
        new_requirement("-k", OP_IN, [])
    msg = str(info.value)
    assert msg.startswith('[key: Invalid value: "-k": ')
    assert msg.endswith("values set can't be empty]")


def test_label_key_errors() -> None:
    assert label_key_errors("app") == []
    assert label_key_errors("example.com/app") == []
    assert label_key_errors("/app") == ["prefix part must be non-empty"]
    assert label_key_errors("example.com/") == ["name part must be non-empty", NAME_PART_MSG]


# --- selector objects ------------------------------------------------------------

def test_nil_selector_object_matches_nothing() -> None:
    sel = selector_from_object(None)
    assert sel is NOTHING
    assert not sel.matches({})
    assert not sel.matches({"a": "b"})
    assert not sel.empty
    assert str(sel) == ""


@pytest.mark.parametrize("obj", [{}, {"matchLabels": {}}, {"matchLabels": None,
                                                          "matchExpressions": []}])
def test_empty_selector_object_matches_everything(obj: dict[str, object]) -> None:
    sel = selector_from_object(obj)
    assert sel is EVERYTHING
    assert sel.empty
    assert sel.matches({"x": "y"}) and sel.matches(None)


def test_selector_object() -> None:
    sel = selector_from_object({
        "matchLabels": {"app": "web", "env": "prod"},
        "matchExpressions": [
            {"key": "tier", "operator": "In", "values": ["b", "a"]},
            {"key": "track", "operator": "NotIn", "values": ["canary"]},
            {"key": "owner", "operator": "Exists"},
            {"key": "legacy", "operator": "DoesNotExist"},
        ],
    })
    assert str(sel) == "app=web,env=prod,!legacy,owner,tier in (a,b),track notin (canary)"
    good = {"app": "web", "env": "prod", "tier": "a", "owner": "me"}
    assert sel.matches(good)
    assert not sel.matches({**good, "legacy": "1"})
    assert not sel.matches({**good, "track": "canary"})
    assert not sel.matches({**good, "tier": "c"})
    assert not sel.matches({k: v for k, v in good.items() if k != "owner"})


def test_selector_object_bad_operator() -> None:
    with pytest.raises(APIError) as info:
        selector_from_object({"matchExpressions": [{"key": "a", "operator": "Equals"}]})
    assert info.value.code == 400
    assert info.value.message == '"Equals" is not a valid label selector operator'


def test_selector_object_bad_requirement() -> None:
    with pytest.raises(APIError) as info:
        selector_from_object({"matchExpressions": [{"key": "a", "operator": "In"}]})
    assert "values set can't be empty" in info.value.message
    with pytest.raises(APIError) as info:
        selector_from_object({"matchLabels": {"a": "-x"}})
    assert info.value.message.startswith('values[0][a]: Invalid value: "-x": ')


def test_to_string() -> None:
    assert to_string({"matchLabels": {"tier": "fe", "app": "web"}}) == "app=web,tier=fe"
    assert to_string({"matchLabels": {"app": "web"}, "matchExpressions": [
        {"key": "tier", "operator": "In", "values": ["b", "a"]}]}) == "app=web,tier in (a,b)"
    assert to_string({}) == ""
    assert to_string(None) == ""


def test_selector_from_map() -> None:
    sel = selector_from_map({"b": "2", "a": "1"})
    assert str(sel) == "a=1,b=2"
    assert sel.requirements[0] == Requirement("a", OP_EQUALS, ("1",))
    assert sel.matches({"a": "1", "b": "2", "c": "3"})
    assert not sel.matches({"a": "1"})
    assert selector_from_map(None).empty
    assert selector_from_map({}).matches({"anything": "x"})


def test_label_selector_default_is_everything() -> None:
    assert LabelSelector() == EVERYTHING
    assert LabelSelector().empty


# --- field selectors -----------------------------------------------------------

@pytest.mark.parametrize("text", ["", None, ","])
def test_empty_field_selector(text: str | None) -> None:
    sel = parse_field_selector(text)
    assert sel.empty
    assert sel.fields == frozenset()
    assert sel.matches(lambda f: None)
    assert str(sel) == ""


def test_parse_field_selector() -> None:
    sel = parse_field_selector("status.phase!=Running,metadata.name==web,spec.nodeName=n1")
    # Sorted like Kubernetes sorts the terms; "==" normalised to "=".
    assert sel.requirements == (
        ("metadata.name", "=", "web"),
        ("spec.nodeName", "=", "n1"),
        ("status.phase", "!=", "Running"),
    )
    assert sel.fields == {"metadata.name", "spec.nodeName", "status.phase"}
    assert str(sel) == "metadata.name=web,spec.nodeName=n1,status.phase!=Running"
    assert sel.requires_exact_match("spec.nodeName") == "n1"
    assert sel.requires_exact_match("status.phase") is None


def test_field_selector_matches() -> None:
    sel = parse_field_selector("metadata.name=web,status.phase!=Failed")
    assert sel.matches({"metadata.name": "web", "status.phase": "Running"}.get)
    assert not sel.matches({"metadata.name": "web", "status.phase": "Failed"}.get)
    assert not sel.matches({"metadata.name": "db"}.get)
    assert sel.matches({"metadata.name": "web"}.get)  # missing phase != Failed


def test_field_selector_missing_value_is_empty_string() -> None:
    assert parse_field_selector("spec.nodeName=").matches(lambda f: None)
    assert not parse_field_selector("spec.nodeName!=").matches(lambda f: None)
    assert parse_field_selector("spec.nodeName!=").matches(lambda f: "n1")


def test_field_selector_escapes() -> None:
    sel = parse_field_selector(r"metadata.name=a\,b\=c\\d,x=y")
    assert sel.requirements == (("metadata.name", "=", "a,b=c\\d"), ("x", "=", "y"))
    assert sel.matches({"metadata.name": "a,b=c\\d", "x": "y"}.get)
    assert str(sel) == r"metadata.name=a\,b\=c\\d,x=y"
    assert parse_field_selector(str(sel)) == sel
    assert escape_field_value("a,b=c\\") == r"a\,b\=c\\"


def test_field_selector_errors() -> None:
    assert bad_field("metadata.name") == (
        "invalid selector: 'metadata.name'; can't understand 'metadata.name'")
    assert bad_field("a=b,c") == "invalid selector: 'a=b,c'; can't understand 'c'"
    assert bad_field(r"a=b\x") == r"invalid field selector: invalid escape sequence: \x"
    assert bad_field("a=b\\") == "invalid field selector: invalid escape sequence: \\"
    # Go prints the offending rune with %v: its code point.
    assert bad_field("a=b=c") == "invalid field selector: unescaped character in value: 61"


def test_field_selector_unknown_fields_are_not_checked_here() -> None:
    sel = parse_field_selector("spec.whatever=x")
    assert sel.fields == {"spec.whatever"}


def test_field_selector_is_frozen() -> None:
    sel = FieldSelector((("a", "=", "b"),))
    with pytest.raises(dataclasses.FrozenInstanceError):
        sel.requirements = ()  # type: ignore[misc]
