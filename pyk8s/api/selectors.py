"""Label and field selectors, parsed and matched the way Kubernetes does.

Label selectors come in two shapes:

* the string form of `?labelSelector=` and `kubectl get -l`:
  `app=web,tier!=db,env in (prod,qa),!canary,track` -- see
  `parse_label_selector`;
* the object form `metav1.LabelSelector` (`matchLabels` + `matchExpressions`)
  used by Deployments, ReplicaSets, Jobs, ... -- see `selector_from_object` --
  and the plain label maps of `Service.spec.selector` and
  `ReplicationController.spec.selector` -- see `selector_from_map`.

All of them produce a `LabelSelector`: an immutable AND of `Requirement`s,
sorted by key, whose `matches(labels)` is cheap enough to run over every item
of a large list. Equality requirements are checked at C speed with one
subset test against `labels.items()`; the rest is a tight loop.

Field selectors (`?fieldSelector=metadata.name=web,status.phase!=Running`)
only know `=`, `==` and `!=`; values may escape `\\`, `,` and `=` with a
backslash. `parse_field_selector` returns a `FieldSelector` whose `matches`
asks a getter for each field's value. Which field names a kind supports is
the API server's business (it answers 400 `field label not supported: X`).

Malformed input raises `APIError` 400 BadRequest with the message
kube-apiserver 1.32 writes, e.g.
`unable to parse requirement: found 'x', expected: in, notin, =, ==, !=, gt, lt`
or `invalid selector: 'a'; can't understand 'a'`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pyk8s.api import errors, validation
from pyk8s.api.errors import APIError

__all__ = [
    "EVERYTHING",
    "NOTHING",
    "OP_DOES_NOT_EXIST",
    "OP_DOUBLE_EQUALS",
    "OP_EQUALS",
    "OP_EXISTS",
    "OP_GT",
    "OP_IN",
    "OP_LT",
    "OP_NOT_EQUALS",
    "OP_NOT_IN",
    "FieldSelector",
    "LabelSelector",
    "Requirement",
    "SelectorError",
    "escape_field_value",
    "label_key_errors",
    "new_requirement",
    "parse_field_selector",
    "parse_label_selector",
    "selector_from_map",
    "selector_from_object",
    "to_string",
]

# Operators, spelled as k8s.io/apimachinery/pkg/selection spells them.
OP_EQUALS = "="
OP_DOUBLE_EQUALS = "=="
OP_NOT_EQUALS = "!="
OP_IN = "in"
OP_NOT_IN = "notin"
OP_EXISTS = "exists"
OP_DOES_NOT_EXIST = "!"
OP_GT = "gt"
OP_LT = "lt"

_BINARY_OPS = (OP_IN, OP_NOT_IN, OP_EQUALS, OP_DOUBLE_EQUALS, OP_NOT_EQUALS, OP_GT, OP_LT)
_VALID_OPS = (*_BINARY_OPS, OP_EXISTS, OP_DOES_NOT_EXIST)

# metav1.LabelSelectorRequirement operators -> selection operators.
_OBJECT_OPS = {
    "In": OP_IN,
    "NotIn": OP_NOT_IN,
    "Exists": OP_EXISTS,
    "DoesNotExist": OP_DOES_NOT_EXIST,
}


class SelectorError(ValueError):
    """A selector that cannot be parsed or built; `str()` is Kubernetes' text."""

    def to_api_error(self) -> APIError:
        return errors.bad_request(str(self))


# ---------------------------------------------------------------------------
# Go-style rendering of bad values (field.Invalid's `%q` / `%#v`).

_GO_ESCAPES = {
    "\a": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t",
    "\v": "\\v", "\\": "\\\\", '"': '\\"',
}


def _go_quote(s: str) -> str:
    """Go's `%q` for a string (close enough for anything printable)."""
    out = []
    for ch in s:
        esc = _GO_ESCAPES.get(ch)
        if esc is not None:
            out.append(esc)
        elif ch.isprintable():
            out.append(ch)
        elif ord(ch) < 0x100:
            out.append(f"\\x{ord(ch):02x}")
        elif ord(ch) < 0x10000:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(f"\\U{ord(ch):08x}")
    return '"' + "".join(out) + '"'


def _go_strings(values: Iterable[str]) -> str:
    """Go's `%#v` for a []string."""
    return "[]string{" + ", ".join(_go_quote(v) for v in values) + "}"


def _field_invalid(path: str, shown: str, detail: str) -> str:
    return f"{path}: Invalid value: {shown}: {detail}"


def _aggregate(msgs: list[str]) -> str:
    """utilerrors.Aggregate's Error(): one message alone, several in brackets."""
    seen: list[str] = []
    for m in msgs:
        if m not in seen:
            seen.append(m)
    if len(seen) == 1:
        return seen[0]
    return "[" + ", ".join(seen) + "]"


# ---------------------------------------------------------------------------
# Label key / value syntax (validation.IsQualifiedName / IsValidLabelValue).

_QUALIFIED_NAME_RE = re.compile(r"([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]")
_QUALIFIED_NAME_MSG = (
    "must consist of alphanumeric characters, '-', '_' or '.', and must start and end "
    "with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex "
    "used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
)


def label_key_errors(key: str) -> list[str]:
    """Problems with a label key (a qualified name), in Kubernetes' words."""
    errs: list[str] = []
    parts = key.split("/")
    if len(parts) == 1:
        name = parts[0]
    elif len(parts) == 2:
        prefix, name = parts
        if not prefix:
            errs.append("prefix part must be non-empty")
        else:
            errs.extend("prefix part " + e for e in validation.dns1123_subdomain_errors(prefix))
    else:
        return [
            "a qualified name " + _QUALIFIED_NAME_MSG + " with an optional DNS subdomain "
            "prefix and '/' (e.g. 'example.com/MyName')"
        ]
    if not name:
        errs.append("name part must be non-empty")
    elif len(name) > 63:
        errs.append("name part must be no more than 63 characters")
    if not _QUALIFIED_NAME_RE.fullmatch(name):
        errs.append("name part " + _QUALIFIED_NAME_MSG)
    return errs


def _key_error(key: str, path: str) -> str | None:
    errs = label_key_errors(key)
    if errs:
        return _field_invalid(path, _go_quote(key), "; ".join(errs))
    return None


_INT64_RE = re.compile(r"[+-]?[0-9]+")
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1


def _parse_int64(s: str) -> int | None:
    """strconv.ParseInt(s, 10, 64), None on error."""
    if not _INT64_RE.fullmatch(s):
        return None
    n = int(s)
    return n if _INT64_MIN <= n <= _INT64_MAX else None


# ---------------------------------------------------------------------------
# Requirements and label selectors.

@dataclass(frozen=True, slots=True)
class Requirement:
    """One `key <operator> values` term of a label selector.

    Build validated ones with `new_requirement`. `values` keep their given
    order; `str()` sorts them, as Kubernetes does.
    """

    key: str
    operator: str
    values: tuple[str, ...] = ()

    def matches(self, labels: Mapping[str, str] | None) -> bool:
        labels = labels or {}
        op = self.operator
        if op in (OP_IN, OP_EQUALS, OP_DOUBLE_EQUALS):
            return self.key in labels and labels[self.key] in self.values
        if op in (OP_NOT_IN, OP_NOT_EQUALS):
            return self.key not in labels or labels[self.key] not in self.values
        if op == OP_EXISTS:
            return self.key in labels
        if op == OP_DOES_NOT_EXIST:
            return self.key not in labels
        if op in (OP_GT, OP_LT):
            if self.key not in labels or len(self.values) != 1:
                return False
            have, want = _parse_int64(labels[self.key]), _parse_int64(self.values[0])
            if have is None or want is None:
                return False
            return have > want if op == OP_GT else have < want
        return False

    def __str__(self) -> str:
        op = self.operator
        if op == OP_EXISTS:
            return self.key
        if op == OP_DOES_NOT_EXIST:
            return "!" + self.key
        vals = self.values[0] if len(self.values) == 1 else ",".join(sorted(self.values))
        if op in (OP_IN, OP_NOT_IN):
            return f"{self.key} {op} ({vals})"
        sym = {OP_GT: ">", OP_LT: "<"}.get(op, op)
        return f"{self.key}{sym}{vals}"


def new_requirement(key: str, operator: str, values: Iterable[str] = (),
                    *, key_path: str = "key") -> Requirement:
    """labels.NewRequirement: validate and build one requirement.

    Raises `SelectorError` with Kubernetes' aggregated field-error text.
    """
    vals = tuple(values)
    msgs: list[str] = []
    if key_path:
        err = _key_error(key, key_path)
        if err:
            msgs.append(err)
    if operator in (OP_IN, OP_NOT_IN):
        if not vals:
            msgs.append(_field_invalid("values", _go_strings(vals),
                                       "for 'in', 'notin' operators, values set can't be empty"))
    elif operator in (OP_EQUALS, OP_DOUBLE_EQUALS, OP_NOT_EQUALS):
        if len(vals) != 1:
            msgs.append(_field_invalid("values", _go_strings(vals),
                                       "exact-match compatibility requires one single value"))
    elif operator in (OP_EXISTS, OP_DOES_NOT_EXIST):
        if vals:
            msgs.append(_field_invalid("values", _go_strings(vals),
                                       "values set must be empty for exists and does not exist"))
    elif operator in (OP_GT, OP_LT):
        if len(vals) != 1:
            msgs.append(_field_invalid("values", _go_strings(vals),
                                       "for 'Gt', 'Lt' operators, exactly one value is required"))
        for i, v in enumerate(vals):
            if _parse_int64(v) is None:
                msgs.append(_field_invalid(f"values[{i}]", _go_quote(v),
                                           "for 'Gt', 'Lt' operators, the value must be an "
                                           "integer"))
    else:
        supported = ", ".join(_go_quote(o) for o in _VALID_OPS)
        msgs.append(f"operator: Unsupported value: {_go_quote(operator)}: "
                    f"supported values: {supported}")
    for i, v in enumerate(vals):
        if not isinstance(v, str):
            msgs.append(_field_invalid(f"values[{i}][{key}]", _go_quote(str(v)),
                                       "label values must be strings"))
            continue
        verrs = validation.label_value_errors(v)
        if verrs:
            msgs.append(_field_invalid(f"values[{i}][{key}]", _go_quote(v), "; ".join(verrs)))
    if msgs:
        raise SelectorError(_aggregate(msgs))
    return Requirement(key, operator, vals)


# Compiled plan codes for LabelSelector.matches.
_C_NE, _C_IN, _C_NOTIN, _C_EXISTS, _C_NOT_EXISTS, _C_OTHER = range(6)
_MISSING: Any = object()


def _compile(reqs: tuple[Requirement, ...]) -> tuple[frozenset[tuple[str, str]],
                                                     tuple[tuple[int, Any, Any], ...]]:
    equal: set[tuple[str, str]] = set()
    rest: list[tuple[int, Any, Any]] = []
    for r in reqs:
        op = r.operator
        if op in (OP_EQUALS, OP_DOUBLE_EQUALS, OP_IN) and len(set(r.values)) == 1:
            equal.add((r.key, r.values[0]))
        elif op in (OP_IN, OP_EQUALS, OP_DOUBLE_EQUALS):
            rest.append((_C_IN, r.key, frozenset(r.values)))
        elif op in (OP_NOT_IN, OP_NOT_EQUALS) and len(set(r.values)) == 1:
            rest.append((_C_NE, r.key, r.values[0]))
        elif op in (OP_NOT_IN, OP_NOT_EQUALS):
            rest.append((_C_NOTIN, r.key, frozenset(r.values)))
        elif op == OP_EXISTS:
            rest.append((_C_EXISTS, r.key, None))
        elif op == OP_DOES_NOT_EXIST:
            rest.append((_C_NOT_EXISTS, r.key, None))
        else:
            rest.append((_C_OTHER, r, None))
    # (Two values required for one key land in `equal` together; a label map
    # holds one value per key, so the subset test fails, as it should.)
    return frozenset(equal), tuple(rest)


_EMPTY_LABELS: dict[str, str] = {}


@dataclass(frozen=True, slots=True)
class LabelSelector:
    """An AND of requirements, or the selector that matches nothing.

    `LabelSelector()` is Everything (`empty` is True); `NOTHING` matches no
    labels at all (what a nil metav1.LabelSelector means).
    """

    requirements: tuple[Requirement, ...] = ()
    nothing: bool = False
    _equal: frozenset[tuple[str, str]] = field(init=False, repr=False, compare=False)
    _rest: tuple[tuple[int, Any, Any], ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        equal, rest = _compile(self.requirements)
        object.__setattr__(self, "_equal", equal)
        object.__setattr__(self, "_rest", rest)

    @property
    def empty(self) -> bool:
        """True if the selector does not restrict anything (Everything)."""
        return not self.nothing and not self.requirements

    def matches(self, labels: Mapping[str, str] | None) -> bool:
        if self.nothing:
            return False
        if labels is None:
            labels = _EMPTY_LABELS
        equal = self._equal
        if equal and not equal <= labels.items():
            return False
        for code, key, arg in self._rest:
            if code == _C_NE:
                if labels.get(key, _MISSING) == arg:
                    return False
            elif code == _C_IN:
                v = labels.get(key, _MISSING)
                if v is _MISSING or v not in arg:
                    return False
            elif code == _C_NOTIN:
                v = labels.get(key, _MISSING)
                if v is not _MISSING and v in arg:
                    return False
            elif code == _C_EXISTS:
                if key not in labels:
                    return False
            elif code == _C_NOT_EXISTS:
                if key in labels:
                    return False
            elif not key.matches(labels):
                return False
        return True

    def requires_exact_match(self, key: str) -> str | None:
        """The single value `key` must have (`k=v`, `k==v`, `k in (v)`), else None."""
        for r in self.requirements:
            if r.key == key:
                if r.operator in (OP_EQUALS, OP_DOUBLE_EQUALS, OP_IN) and len(r.values) == 1:
                    return r.values[0]
                return None
        return None

    def add(self, *reqs: Requirement) -> LabelSelector:
        """A new selector with more requirements (ANDed), kept sorted by key."""
        if self.nothing:
            return self
        return LabelSelector(tuple(sorted((*self.requirements, *reqs), key=_by_key)))

    def __str__(self) -> str:
        return ",".join(str(r) for r in self.requirements)


def _by_key(r: Requirement) -> str:
    return r.key


EVERYTHING = LabelSelector()
NOTHING = LabelSelector(nothing=True)


# ---------------------------------------------------------------------------
# The label selector string parser (labels.Parse).

_T_ERROR, _T_END, _T_CLOSE, _T_COMMA, _T_NOT, _T_DEQ, _T_EQ, _T_GT, _T_IDENT, _T_IN, \
    _T_LT, _T_NEQ, _T_NOTIN, _T_OPEN = range(14)

_TOKENS = {
    ")": _T_CLOSE, ",": _T_COMMA, "!": _T_NOT, "==": _T_DEQ, "=": _T_EQ, ">": _T_GT,
    "in": _T_IN, "<": _T_LT, "!=": _T_NEQ, "notin": _T_NOTIN, "(": _T_OPEN,
}
_SPECIAL = frozenset("=!(),><")
_WHITESPACE = frozenset(" \t\r\n")


def _lex(s: str) -> list[tuple[int, str]]:
    items: list[tuple[int, str]] = []
    i, n = 0, len(s)
    while True:
        while i < n and s[i] in _WHITESPACE:
            i += 1
        if i >= n:
            items.append((_T_END, ""))
            return items
        ch = s[i]
        if ch in _SPECIAL:
            two = s[i:i + 2]
            if two in ("!=", "=="):
                items.append((_TOKENS[two], two))
                i += 2
            else:
                items.append((_TOKENS[ch], ch))
                i += 1
            continue
        j = i
        while j < n and s[j] not in _SPECIAL and s[j] not in _WHITESPACE:
            j += 1
        word = s[i:j]
        i = j
        items.append((_TOKENS.get(word, _T_IDENT), word))


class _Parser:
    def __init__(self, text: str) -> None:
        self.items = _lex(text)
        self.pos = 0

    # In a "values" context the keywords `in`/`notin` are plain identifiers.
    def lookahead(self, values: bool = True) -> tuple[int, str]:
        tok, lit = self.items[self.pos]
        if values and tok in (_T_IN, _T_NOTIN):
            tok = _T_IDENT
        return tok, lit

    def consume(self, values: bool = True) -> tuple[int, str]:
        tok, lit = self.lookahead(values)
        self.pos += 1
        return tok, lit

    def parse(self) -> list[Requirement]:
        reqs: list[Requirement] = []
        while True:
            tok, lit = self.lookahead()
            if tok in (_T_IDENT, _T_NOT):
                try:
                    reqs.append(self.requirement())
                except SelectorError as e:
                    raise SelectorError(f"unable to parse requirement: {e}") from None
                t, lit2 = self.consume()
                if t == _T_END:
                    return reqs
                if t == _T_COMMA:
                    t2, lit3 = self.lookahead()
                    if t2 not in (_T_IDENT, _T_NOT):
                        raise SelectorError(f"found '{lit3}', expected: identifier after ','")
                else:
                    raise SelectorError(f"found '{lit2}', expected: ',' or 'end of string'")
            elif tok == _T_END:
                return reqs
            else:
                raise SelectorError(
                    f"found '{lit}', expected: !, identifier, or 'end of string'")

    def requirement(self) -> Requirement:
        op = ""
        tok, lit = self.consume()
        if tok == _T_NOT:
            op = OP_DOES_NOT_EXIST
            tok, lit = self.consume()
        if tok != _T_IDENT:
            raise SelectorError(f"found '{lit}', expected: identifier")
        key = lit
        err = _key_error(key, "<nil>")
        if err:
            raise SelectorError(err)
        if op == OP_DOES_NOT_EXIST:
            return new_requirement(key, op, (), key_path="")
        if self.lookahead()[0] in (_T_END, _T_COMMA):
            return new_requirement(key, OP_EXISTS, (), key_path="")
        op = self.operator()
        values = self.set_values() if op in (OP_IN, OP_NOT_IN) else self.exact_value()
        return new_requirement(key, op, sorted(values), key_path="")

    def operator(self) -> str:
        tok, lit = self.consume(values=False)
        op = {
            _T_IN: OP_IN, _T_EQ: OP_EQUALS, _T_DEQ: OP_DOUBLE_EQUALS, _T_GT: OP_GT,
            _T_LT: OP_LT, _T_NOTIN: OP_NOT_IN, _T_NEQ: OP_NOT_EQUALS,
        }.get(tok)
        if op is None:
            raise SelectorError(f"found '{lit}', expected: {', '.join(_BINARY_OPS)}")
        return op

    def set_values(self) -> set[str]:
        tok, lit = self.consume()
        if tok != _T_OPEN:
            raise SelectorError(f"found '{lit}' expected: '('")
        tok, lit = self.lookahead()
        if tok in (_T_IDENT, _T_COMMA):
            values = self.identifiers()
            if self.consume()[0] != _T_CLOSE:  # pragma: no cover - identifiers() stops at ')'
                raise SelectorError(f"found '{lit}', expected: ')'")
            return values
        if tok == _T_CLOSE:
            self.consume()
            return {""}
        raise SelectorError(f"found '{lit}', expected: ',', ')' or identifier")

    def identifiers(self) -> set[str]:
        values: set[str] = set()
        while True:
            tok, lit = self.consume()
            if tok == _T_IDENT:
                values.add(lit)
                tok2, lit2 = self.lookahead()
                if tok2 == _T_COMMA:
                    continue
                if tok2 == _T_CLOSE:
                    return values
                raise SelectorError(f"found '{lit2}', expected: ',' or ')'")
            if tok == _T_COMMA:
                if not values:
                    values.add("")  # "(,"
                tok2, _ = self.lookahead()
                if tok2 == _T_CLOSE:
                    values.add("")  # ",)"
                    return values
                if tok2 == _T_COMMA:
                    values.add("")  # ",,"
                continue
            raise SelectorError(f"found '{lit}', expected: ',', or identifier")

    def exact_value(self) -> set[str]:
        tok, _ = self.lookahead()
        if tok in (_T_END, _T_COMMA):
            return {""}
        tok, lit = self.consume()
        if tok == _T_IDENT:
            return {lit}
        raise SelectorError(f"found '{lit}', expected: identifier")


def parse_label_selector(text: str | None) -> LabelSelector:
    """Parse `?labelSelector=` text; "" (or None) is Everything.

    Raises APIError 400 BadRequest with Kubernetes' message on bad input.
    """
    if not text:
        return EVERYTHING
    try:
        reqs = _Parser(text).parse()
    except SelectorError as e:
        raise e.to_api_error() from None
    return LabelSelector(tuple(sorted(reqs, key=_by_key)))


# ---------------------------------------------------------------------------
# Selector objects and maps.

def selector_from_object(sel: Mapping[str, Any] | None) -> LabelSelector:
    """metav1.LabelSelectorAsSelector.

    None matches nothing; `{}` (no matchLabels, no matchExpressions) matches
    everything. Raises APIError 400 if the object holds an invalid requirement
    (objects are normally validated before they get here).
    """
    if sel is None:
        return NOTHING
    if not isinstance(sel, Mapping):
        raise errors.bad_request(f"invalid label selector: {sel!r}")
    match_labels = sel.get("matchLabels") or {}
    match_exprs = sel.get("matchExpressions") or []
    if not match_labels and not match_exprs:
        return EVERYTHING
    reqs: list[Requirement] = []
    try:
        for k, v in match_labels.items():
            reqs.append(new_requirement(k, OP_EQUALS, (v,)))
        for expr in match_exprs:
            expr = expr or {}
            op = _OBJECT_OPS.get(expr.get("operator"))  # type: ignore[arg-type]
            if op is None:
                raise SelectorError(
                    f"{_go_quote(str(expr.get('operator') or ''))} is not a valid label "
                    "selector operator")
            reqs.append(new_requirement(str(expr.get("key") or ""), op,
                                        list(expr.get("values") or ())))
    except SelectorError as e:
        raise e.to_api_error() from None
    return LabelSelector(tuple(sorted(reqs, key=_by_key)))


def selector_from_map(labels: Mapping[str, str] | None) -> LabelSelector:
    """labels.SelectorFromSet: `k=v` for every entry; None or {} is Everything.

    Not validated (the map was validated with the object that holds it).
    """
    if not labels:
        return EVERYTHING
    return LabelSelector(tuple(
        Requirement(k, OP_EQUALS, (v,)) for k, v in sorted(labels.items())))


def to_string(sel: Mapping[str, Any] | None) -> str:
    """Render a metav1.LabelSelector object as selector text.

    `{"matchLabels": {"app": "web"}, "matchExpressions": [{"key": "tier",
    "operator": "In", "values": ["b", "a"]}]}` -> `app=web,tier in (a,b)`.
    This is what the scale subresource puts in `status.selector`. None and
    `{}` give "".
    """
    return str(selector_from_object(sel))


# ---------------------------------------------------------------------------
# Field selectors (fields.ParseSelector).

def escape_field_value(value: str) -> str:
    """fields.EscapeValue: backslash-escape `\\`, `,` and `=`."""
    return value.replace("\\", "\\\\").replace(",", "\\,").replace("=", "\\=")


def _split_terms(text: str) -> list[str]:
    terms: list[str] = []
    start = 0
    in_slash = False
    for i, ch in enumerate(text):
        if in_slash:
            in_slash = False
        elif ch == "\\":
            in_slash = True
        elif ch == ",":
            terms.append(text[start:i])
            start = i + 1
    terms.append(text[start:])
    return terms


def _split_term(term: str) -> tuple[str, str, str] | None:
    for i in range(len(term)):
        for op in ("!=", "==", "="):
            if term.startswith(op, i):
                return term[:i], op, term[i + len(op):]
    return None


def _unescape_value(s: str) -> str:
    if "\\" not in s and "," not in s and "=" not in s:
        return s
    out: list[str] = []
    in_slash = False
    for ch in s:
        if in_slash:
            if ch in "\\,=":
                out.append(ch)
            else:
                raise SelectorError(
                    f"invalid field selector: invalid escape sequence: \\{ch}")
            in_slash = False
        elif ch == "\\":
            in_slash = True
        elif ch in ",=":
            # Go prints the rune with %v: its code point.
            raise SelectorError(
                f"invalid field selector: unescaped character in value: {ord(ch)}")
        else:
            out.append(ch)
    if in_slash:
        raise SelectorError("invalid field selector: invalid escape sequence: \\")
    return "".join(out)


@dataclass(frozen=True, slots=True)
class FieldSelector:
    """An AND of `(field, op, value)` terms; op is "=" or "!=" ("==" becomes "=")."""

    requirements: tuple[tuple[str, str, str], ...] = ()

    @property
    def empty(self) -> bool:
        return not self.requirements

    @property
    def fields(self) -> frozenset[str]:
        """The field names the selector mentions (for the server's support check)."""
        return frozenset(f for f, _, _ in self.requirements)

    def matches(self, getter: Callable[[str], str | None]) -> bool:
        """`getter(field)` gives the object's value; None counts as ""."""
        for name, op, value in self.requirements:
            have = getter(name)
            if have is None:
                have = ""
            if (have == value) != (op == "="):
                return False
        return True

    def requires_exact_match(self, name: str) -> str | None:
        """The value `name` must equal, if an `=` term names it, else None."""
        for f, op, value in self.requirements:
            if f == name and op == "=":
                return value
        return None

    def __str__(self) -> str:
        return ",".join(f"{f}{op}{escape_field_value(v)}" for f, op, v in self.requirements)


def parse_field_selector(text: str | None) -> FieldSelector:
    """Parse `?fieldSelector=` text; "" (or None) selects everything.

    Terms are sorted like Kubernetes sorts them. Raises APIError 400
    BadRequest on a malformed term or escape.
    """
    if not text:
        return FieldSelector()
    reqs: list[tuple[str, str, str]] = []
    try:
        for part in sorted(_split_terms(text)):
            if not part:
                continue
            split = _split_term(part)
            if split is None:
                raise SelectorError(f"invalid selector: '{text}'; can't understand '{part}'")
            lhs, op, rhs = split
            reqs.append((lhs, "!=" if op == "!=" else "=", _unescape_value(rhs)))
    except SelectorError as e:
        raise e.to_api_error() from None
    return FieldSelector(tuple(reqs))
