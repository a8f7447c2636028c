"""Building blocks for resource validation, with Kubernetes' wording.

Validators return a list of `Cause`s, one per bad field, with the field's
path (`spec.template.spec.containers[0].image`) and the message Kubernetes
writes (`Required value`, `Invalid value: "Foo": a lowercase RFC 1123 ...`).
The API server turns a non-empty list into a 422 Invalid Status.
"""

from __future__ import annotations

import re
from typing import Any

import orjson

from pyk8s.api.errors import Cause

DNS1123_LABEL_MAX = 63
DNS1123_SUBDOMAIN_MAX = 253

_dns1123_label = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_dns1123_subdomain = re.compile(
    r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"
)
_dns1035_label = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")
_qualified_name_part = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")
_label_value = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")
_config_key = re.compile(r"^[-._a-zA-Z0-9]+$")
_iana_svc_name = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?$")


def show(value: Any) -> str:
    """Render a bad value the way Kubernetes quotes it in messages."""
    if isinstance(value, str):
        return orjson.dumps(value).decode()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()


# Cause constructors -------------------------------------------------------

def required(path: str, detail: str = "") -> Cause:
    return Cause("FieldValueRequired", "Required value" + (f": {detail}" if detail else ""),
                 path)


def invalid(path: str, value: Any, detail: str) -> Cause:
    return Cause("FieldValueInvalid", f"Invalid value: {show(value)}: {detail}", path)


def not_supported(path: str, value: Any, valid: list[str]) -> Cause:
    opts = ", ".join(show(v) for v in valid)
    return Cause("FieldValueNotSupported", f"Unsupported value: {show(value)}: "
                 f"supported values: {opts}", path)


def duplicate(path: str, value: Any) -> Cause:
    return Cause("FieldValueDuplicate", f"Duplicate value: {show(value)}", path)


def forbidden(path: str, detail: str) -> Cause:
    return Cause("FieldValueForbidden", f"Forbidden: {detail}", path)


def too_long(path: str, value: Any, limit: int) -> Cause:
    return Cause("FieldValueTooLong", f"Too long: may not be more than {limit} bytes", path)


def immutable(path: str, value: Any) -> Cause:
    return invalid(path, value, "field is immutable")


# Name and label checks: each returns a list of detail strings (empty = ok) --

def dns1123_label_errors(value: str) -> list[str]:
    errs = []
    if len(value) > DNS1123_LABEL_MAX:
        errs.append(f"must be no more than {DNS1123_LABEL_MAX} characters")
    if not _dns1123_label.match(value):
        errs.append(
            "a lowercase RFC 1123 label must consist of lower case alphanumeric characters "
            "or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  "
            "or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
        )
    return errs


def dns1123_subdomain_errors(value: str) -> list[str]:
    errs = []
    if len(value) > DNS1123_SUBDOMAIN_MAX:
        errs.append(f"must be no more than {DNS1123_SUBDOMAIN_MAX} characters")
    if not _dns1123_subdomain.match(value):
        errs.append(
            "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric "
            "characters, '-' or '.', and must start and end with an alphanumeric character "
            "(e.g. 'example.com', regex used for validation is "
            "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
        )
    return errs


def dns1035_label_errors(value: str) -> list[str]:
    errs = []
    if len(value) > DNS1123_LABEL_MAX:
        errs.append(f"must be no more than {DNS1123_LABEL_MAX} characters")
    if not _dns1035_label.match(value):
        errs.append(
            "a DNS-1035 label must consist of lower case alphanumeric characters or '-', "
            "start with an alphabetic character, and end with an alphanumeric character "
            "(e.g. 'my-name',  or 'abc-123', regex used for validation is "
            "'[a-z]([-a-z0-9]*[a-z0-9])?')"
        )
    return errs


def qualified_name_errors(value: str) -> list[str]:
    """Label keys and annotation keys: optional DNS subdomain prefix + name."""
    errs: list[str] = []
    prefix, _, name = value.rpartition("/")
    if "/" in value and not prefix:
        errs.append("prefix part must be non-empty")
    elif prefix:
        errs.extend("prefix part " + e for e in dns1123_subdomain_errors(prefix))
    if not name:
        errs.append("name part must be non-empty")
    elif len(name) > 63:
        errs.append("name part must be no more than 63 characters")
    if name and not _qualified_name_part.match(name):
        errs.append(
            "name part must consist of alphanumeric characters, '-', '_' or '.', and must "
            "start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or "
            "'123-abc', regex used for validation is "
            "'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
        )
    return errs


def label_value_errors(value: str) -> list[str]:
    errs = []
    if len(value) > 63:
        errs.append("must be no more than 63 characters")
    if not _label_value.match(value):
        errs.append(
            "a valid label must be an empty string or consist of alphanumeric characters, "
            "'-', '_' or '.', and must start and end with an alphanumeric character (e.g. "
            "'MyValue',  or 'my_value',  or '12345', regex used for validation is "
            "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
        )
    return errs


def config_key_errors(value: str) -> list[str]:
    errs = []
    if len(value) > DNS1123_SUBDOMAIN_MAX:
        errs.append(f"must be no more than {DNS1123_SUBDOMAIN_MAX} characters")
    if not _config_key.match(value):
        errs.append(
            "a valid config key must consist of alphanumeric characters, '-', '_' or '.' "
            "(e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is "
            "'[-._a-zA-Z0-9]+')"
        )
    elif value in (".", ".."):
        errs.append(f"must not be '{value}'")
    elif value.startswith(".."):
        errs.append("must not start with '..'")
    return errs


def port_name_errors(value: str) -> list[str]:
    errs = []
    if len(value) > 15:
        errs.append("must be no more than 15 characters")
    if not _iana_svc_name.match(value):
        errs.append("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)")
    elif "--" in value:
        errs.append("must not contain consecutive hyphens")
    elif not re.search(r"[a-z]", value):
        errs.append("must contain at least one letter (a-z)")
    return errs


# Composite checks returning Causes -----------------------------------------

def check(path: str, value: str, errors: list[str]) -> list[Cause]:
    return [invalid(path, value, e) for e in errors]


def labels(path: str, value: Any) -> list[Cause]:
    if value is None:
        return []
    if not isinstance(value, dict):
        return [invalid(path, value, "must be a map of string keys to string values")]
    out: list[Cause] = []
    for k, v in value.items():
        out += check(path, k, qualified_name_errors(k))
        if not isinstance(v, str):
            out.append(invalid(f"{path}", v, "label values must be strings"))
        else:
            out += check(f"{path}", v, label_value_errors(v))
    return out


def annotation_map(path: str, value: Any) -> list[Cause]:
    if value is None:
        return []
    if not isinstance(value, dict):
        return [invalid(path, value, "must be a map of string keys to string values")]
    out: list[Cause] = []
    total = 0
    for k, v in value.items():
        out += check(path, k.lower(), qualified_name_errors(k.lower()))
        total += len(k) + len(str(v))
    if total > 256 * 1024:
        out.append(too_long(path, "", 256 * 1024))
    return out


def label_selector(path: str, selector: Any) -> list[Cause]:
    """A metav1.LabelSelector (matchLabels + matchExpressions)."""
    if selector is None:
        return []
    if not isinstance(selector, dict):
        return [invalid(path, selector, "must be a label selector object")]
    out = labels(f"{path}.matchLabels", selector.get("matchLabels"))
    for i, expr in enumerate(selector.get("matchExpressions") or []):
        p = f"{path}.matchExpressions[{i}]"
        op = expr.get("operator")
        if op not in ("In", "NotIn", "Exists", "DoesNotExist"):
            out.append(not_supported(f"{p}.operator", op, ["In", "NotIn", "Exists",
                                                          "DoesNotExist"]))
            continue
        values = expr.get("values") or []
        if op in ("In", "NotIn") and not values:
            out.append(required(f"{p}.values", "must be specified when `operator` is 'In' "
                                "or 'NotIn'"))
        if op in ("Exists", "DoesNotExist") and values:
            out.append(forbidden(f"{p}.values", "may not be specified when `operator` is "
                                 "'Exists' or 'DoesNotExist'"))
        key = expr.get("key") or ""
        out += check(f"{p}.key", key, qualified_name_errors(key))
    return out


def port_number(path: str, value: Any, *, allow_zero: bool = False) -> list[Cause]:
    lo = 0 if allow_zero else 1
    if not isinstance(value, int) or isinstance(value, bool) or not lo <= value <= 65535:
        return [invalid(path, value, f"must be between {lo} and 65535, inclusive")]
    return []


def non_negative(path: str, value: Any) -> list[Cause]:
    if value is None:
        return []
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        return [invalid(path, value, "must be greater than or equal to 0")]
    return []
