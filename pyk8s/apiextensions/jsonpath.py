"""The JSONPath subset custom resources use: printer columns and scale paths.

A CRD's `additionalPrinterColumns[].jsonPath` is a kubectl-style JSONPath
without the braces: `.spec.replicas`, `.metadata.labels['app.kubernetes.io/name']`,
`.spec.containers[0].image`, `.spec.items[*].name`, or a filter such as
`.status.conditions[?(@.type=="Ready")].status`. `parse` turns the text into
a list of steps once (a bad path is the CRD's error, reported on the CRD);
`find` walks an object and returns every value reached, in order, and never
raises: a missing field simply reaches nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

_NAME = re.compile(r"[A-Za-z0-9_$-]+")
_FILTER = re.compile(
    r"""\?\(\s*@((?:\.[A-Za-z0-9_$-]+)+)\s*(==|!=)\s*("(?:[^"\\]|\\.)*"|'[^']*'|-?[0-9.]+|true|false)\s*\)"""
)


@dataclass(frozen=True, slots=True)
class Field:
    name: str


@dataclass(frozen=True, slots=True)
class Index:
    index: int


@dataclass(frozen=True, slots=True)
class Wildcard:
    pass


@dataclass(frozen=True, slots=True)
class Filter:
    path: tuple[str, ...]
    negate: bool
    value: Any


Step = Field | Index | Wildcard | Filter


def _literal(text: str) -> Any:
    if text[0] in "\"'":
        return text[1:-1]
    if text in ("true", "false"):
        return text == "true"
    return float(text) if "." in text else int(text)


def parse(expr: str) -> list[Step]:
    """Steps of a JSONPath such as `.status.conditions[?(@.type=="Ready")].status`."""
    text = expr.strip()
    if text.startswith("{") and text.endswith("}"):
        text = text[1:-1]
    if not text.startswith((".", "[")):
        raise ValueError(f"{expr!r}: must start with '.' or '['")
    steps: list[Step] = []
    i = 0
    while i < len(text):
        if text[i] == ".":
            m = _NAME.match(text, i + 1)
            if m is None:
                if text[i + 1:i + 2] == "*":
                    steps.append(Wildcard())
                    i += 2
                    continue
                raise ValueError(f"{expr!r}: expected a field name after '.' at {i}")
            steps.append(Field(m.group()))
            i = m.end()
        elif text[i] == "[":
            end = _bracket_end(text, i)
            if end < 0:
                raise ValueError(f"{expr!r}: unclosed '['")
            steps.append(_bracket(expr, text[i + 1:end].strip()))
            i = end + 1
        else:
            raise ValueError(f"{expr!r}: unexpected {text[i]!r} at {i}")
    return steps


def _bracket_end(text: str, start: int) -> int:
    quote = ""
    for j in range(start + 1, len(text)):
        c = text[j]
        if quote:
            if c == quote:
                quote = ""
        elif c in "\"'":
            quote = c
        elif c == "]":
            return j
    return -1


def _bracket(expr: str, inner: str) -> Step:
    if inner == "*":
        return Wildcard()
    if len(inner) >= 2 and inner[0] == inner[-1] and inner[0] in "\"'":
        return Field(inner[1:-1])
    if re.fullmatch(r"-?[0-9]+", inner):
        return Index(int(inner))
    m = _FILTER.fullmatch(inner)
    if m:
        path = tuple(p for p in m.group(1).split(".") if p)
        return Filter(path, m.group(2) == "!=", _literal(m.group(3)))
    raise ValueError(f"{expr!r}: unsupported expression [{inner}]")


def _get(obj: Any, path: tuple[str, ...]) -> Any:
    for name in path:
        if not isinstance(obj, dict) or name not in obj:
            return _MISSING
        obj = obj[name]
    return obj


_MISSING = object()


def find(steps: list[Step], obj: Any) -> list[Any]:
    """Every value the path reaches in `obj` (none when a step finds nothing)."""
    current = [obj]
    for step in steps:
        nxt: list[Any] = []
        for value in current:
            if isinstance(step, Field):
                if isinstance(value, dict) and step.name in value:
                    nxt.append(value[step.name])
            elif isinstance(step, Index):
                if isinstance(value, list) and -len(value) <= step.index < len(value):
                    nxt.append(value[step.index])
            elif isinstance(step, Wildcard):
                if isinstance(value, list):
                    nxt.extend(value)
                elif isinstance(value, dict):
                    nxt.extend(value.values())
            elif isinstance(value, list):
                for item in value:
                    got = _get(item, step.path)
                    if got is not _MISSING and (got == step.value) != step.negate:
                        nxt.append(item)
        current = nxt
    return current


def field_path(steps: list[Step]) -> tuple[str, ...] | None:
    """The plain field names of a path made only of fields (`.spec.replicas`), else None."""
    names = tuple(s.name for s in steps if isinstance(s, Field))
    return names if len(names) == len(steps) and names else None
