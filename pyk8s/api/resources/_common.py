"""What every resource module needs: safe reading, cell formatting, Go-worded causes.

Objects reach printers and validators in any state: just created (no status),
half written by a controller, or plain wrong (a string where a map belongs).
The readers here (`dig`, `text`, `number`, `items`, `mapping`) never raise;
they answer None, "", 0, [] or {} for whatever is missing or mistyped, so
cells and checks can be written as straight lines.

Kubernetes prints some bad values with Go's `%#v` (template labels as
`map[string]string{"app":"x"}`, selectors as `v1.LabelSelector{...}`); the
`go_*` functions render those so messages read as kube-apiserver's do.
"""

from __future__ import annotations

import dataclasses
import datetime
import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeGuard

from pyk8s.api import validation as v
from pyk8s.api.errors import APIError, Cause
from pyk8s.api.resource import Column, Obj
from pyk8s.api.selectors import selector_from_object
from pyk8s.api.tables import human_duration, parse_time

# Reading partial objects ------------------------------------------------------


def dig(obj: Any, *path: str | int) -> Any:
    """`obj[p0][p1]...`, or None as soon as a step is missing or of the wrong type."""
    cur = obj
    for key in path:
        if isinstance(key, str) and isinstance(cur, dict):
            cur = cur.get(key)
        elif isinstance(key, int) and isinstance(cur, list) and -len(cur) <= key < len(cur):
            cur = cur[key]
        else:
            return None
    return cur


def is_int(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def text(obj: Any, *path: str | int) -> str:
    value = dig(obj, *path)
    return value if isinstance(value, str) else ""


def number(obj: Any, *path: str | int) -> int:
    value = dig(obj, *path)
    return value if is_int(value) else 0


def items(obj: Any, *path: str | int) -> list[Any]:
    value = dig(obj, *path)
    return value if isinstance(value, list) else []


def dicts(obj: Any, *path: str | int) -> list[Obj]:
    """The entries of a list of objects, skipping any that are not objects."""
    return [x for x in items(obj, *path) if isinstance(x, dict)]


def mapping(obj: Any, *path: str | int) -> Obj:
    value = dig(obj, *path)
    return value if isinstance(value, dict) else {}


def ensure(parent: Obj, key: str) -> Obj | None:
    """`parent[key]`, created empty if absent or null; None if it holds something else."""
    value = parent.get(key)
    if value is None:
        value = parent[key] = {}
    return value if isinstance(value, dict) else None


def set_default(obj: Obj, key: str, value: Any) -> None:
    """Kubernetes' `if x == nil/"" { x = value }`: fill a field left unset or empty."""
    if obj.get(key) in (None, ""):
        obj[key] = value


def bool_text(value: Any) -> str:
    """A boolean as field selectors spell it."""
    return "true" if value is True else "false"


# Cells ------------------------------------------------------------------------

_FRACTION = re.compile(r"\.\d+")


def _instant(ts: Any) -> datetime.datetime | None:
    """A `metav1.Time` or `MicroTime` (fractional seconds dropped), None if unset or bad."""
    if not isinstance(ts, str) or not ts:
        return None
    try:
        return parse_time(_FRACTION.sub("", ts, count=1))
    except ValueError:
        return None


def age(ts: Any) -> str:
    """Human age of a timestamp, `<unknown>` if unset (translateTimestampSince)."""
    return duration(ts) or "<unknown>"


def duration(start: Any, end: Any = None) -> str:
    """Human duration from `start` to `end` (default: now), "" if `start` is unset."""
    began = _instant(start)
    if began is None:
        return ""
    ended = _instant(end) or datetime.datetime.now(datetime.UTC)
    return human_duration((ended - began).total_seconds())


def column(name: str, cell: Callable[[Obj], Any], *, type: str = "string",
           priority: int = 0, description: str = "") -> Column:
    return Column(name, cell, type=type, priority=priority, description=description)


def created_at(obj: Obj) -> str:
    """The `Created At` cell of Roles and LimitRanges (an RFC 3339 date)."""
    return text(obj, "metadata", "creationTimestamp")


def format_labels(labels: Any) -> str:
    """labels.FormatLabels: `a=b,c=d` sorted by key, `<none>` when empty."""
    if not isinstance(labels, dict) or not labels:
        return "<none>"
    return ",".join(f"{k}={labels[k]}" for k in sorted(labels))


def selector_text(selector: Any) -> str:
    """A label selector object as selector text; `<invalid>` if it cannot be built."""
    try:
        return str(selector_from_object(selector))
    except APIError:
        return "<invalid>"


def format_selector(selector: Any) -> str:
    """metav1.FormatLabelSelector: like `selector_text`, but `<none>` when empty."""
    return selector_text(selector) or "<none>"


def container_columns(*spec_path: str, priority: int = 1) -> tuple[Column, Column]:
    """The CONTAINERS and IMAGES columns (`-o wide` ones by default) of the pod spec at
    `spec_path`."""

    def names(obj: Obj) -> str:
        return ",".join(text(c, "name") for c in dicts(obj, *spec_path, "containers"))

    def images(obj: Obj) -> str:
        return ",".join(text(c, "image") for c in dicts(obj, *spec_path, "containers"))

    return (column("Containers", names, priority=priority,
                   description="Names of each container in the template."),
            column("Images", images, priority=priority,
                   description="Images referenced by each container in the template."))


def converted_columns(columns: Iterable[Column],
                      convert: Callable[[Obj], Obj]) -> tuple[Column, ...]:
    """Another version's columns: each cell first converts the object to that version."""
    def via(cell: Callable[[Obj], Any]) -> Callable[[Obj], Any]:
        return lambda obj: cell(convert(obj))
    return tuple(dataclasses.replace(c, cell=via(c.cell)) for c in columns)


def first_three(values: Sequence[str], total: int, empty: str) -> str:
    """Kubernetes' `a,b,c + N more...` list cells."""
    shown = ",".join(values[:3])
    if total > 3:
        return f"{shown} + {total - 3} more..."
    return shown or empty


# Go renderings of bad values --------------------------------------------------


def go_quote(s: str) -> str:
    return v.show(s)


def go_strings(values: Iterable[Any]) -> str:
    """`%#v` of a []string."""
    return "[]string{" + ", ".join(go_quote(str(x)) for x in values) + "}"


def go_map(labels: Any) -> str:
    """`%#v` of a map[string]string (Go sorts the keys)."""
    if not isinstance(labels, dict):
        return "map[string]string(nil)"
    inner = ", ".join(f"{go_quote(str(k))}:{go_quote(str(labels[k]))}" for k in sorted(labels))
    return "map[string]string{" + inner + "}"


def go_selector(selector: Any) -> str:
    """`%#v` of a metav1.LabelSelector."""
    sel = selector if isinstance(selector, dict) else {}
    match_labels = sel.get("matchLabels")
    exprs = [e for e in sel.get("matchExpressions") or [] if isinstance(e, dict)]
    rendered = ", ".join(
        f"v1.LabelSelectorRequirement{{Key:{go_quote(text(e, 'key'))}, "
        f"Operator:{go_quote(text(e, 'operator'))}, Values:{go_strings(items(e, 'values'))}}}"
        for e in exprs)
    expressions = (f"[]v1.LabelSelectorRequirement{{{rendered}}}" if exprs
                   else "[]v1.LabelSelectorRequirement(nil)")
    return f"v1.LabelSelector{{MatchLabels:{go_map(match_labels)}, MatchExpressions:{expressions}}}"


# Causes -----------------------------------------------------------------------


def invalid_shown(path: str, shown: str, detail: str) -> Cause:
    """An Invalid cause whose value is already rendered (Go `%#v`, int-or-string...)."""
    return Cause("FieldValueInvalid", f"Invalid value: {shown}: {detail}", path)


def not_found(path: str, value: Any) -> Cause:
    return Cause("FieldValueNotFound", f"Not found: {v.show(value)}", path)


def one_of(path: str, value: Any, allowed: Sequence[str], *,
           required: bool = True) -> list[Cause]:
    """A field whose value must be one of `allowed` (Required when empty, if required)."""
    if value in (None, ""):
        return [v.required(path)] if required else []
    if value not in allowed:
        return [v.not_supported(path, value, list(allowed))]
    return []


def immutable(path: str, new: Any, old: Any, shown: str | None = None) -> list[Cause]:
    """ValidateImmutableField: `field is immutable` when the value changed."""
    if new == old:
        return []
    if shown is None:
        return [v.immutable(path, new)]
    return [invalid_shown(path, shown, "field is immutable")]


def required_text(path: str, value: Any, detail: str = "") -> list[Cause]:
    return [] if isinstance(value, str) and value else [v.required(path, detail)]


def each_name(path: str, value: Any, rule: Callable[[str], list[str]]) -> list[Cause]:
    """A name checked by `rule` (e.g. `validation.dns1123_label_errors`), if set."""
    if not isinstance(value, str) or not value:
        return []
    return v.check(path, value, rule(value))


# Int-or-percent fields (maxSurge, maxUnavailable, minAvailable) ---------------

_PERCENT = re.compile(r"^[0-9]+%$")
PERCENT_ERROR = ("a valid percent string must be a numeric string followed by an ending '%' "
                 "(e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')")


def show_int_or_string(value: Any) -> str:
    """intstr.IntOrString prints through its String() method: unquoted."""
    return str(value)


def int_or_percent_value(value: Any) -> int:
    if isinstance(value, str) and _PERCENT.match(value):
        return int(value[:-1])
    return value if is_int(value) else 0


def int_or_percent(path: str, value: Any, *, max_100: bool = False) -> list[Cause]:
    """ValidatePositiveIntOrPercent (+ IsNotMoreThan100Percent)."""
    if value is None:
        return []
    shown = show_int_or_string(value)
    if isinstance(value, str):
        if not _PERCENT.match(value):
            return [invalid_shown(path, shown, PERCENT_ERROR)]
        if max_100 and int(value[:-1]) > 100:
            return [invalid_shown(path, shown, "must not be greater than 100%")]
        return []
    if not is_int(value):
        return [invalid_shown(path, shown, "must be an integer or percentage (e.g '5%')")]
    if value < 0:
        return [invalid_shown(path, shown, "must be greater than or equal to 0")]
    return []
