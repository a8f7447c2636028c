"""API errors as Kubernetes reports them: `metav1.Status` objects.

Every failure the API server returns is an `APIError` turned into a Status
with the HTTP code, a machine-readable `reason` and a message a person can act
on. The constructors below produce the messages Kubernetes produces
(`pods "web" not found`, `Operation cannot be fulfilled on ...`), because
kubectl prints them verbatim and scripts grep for them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Cause:
    """One field-level problem inside a 422 Invalid (or 400) error."""

    reason: str  # FieldValueInvalid, FieldValueRequired, FieldValueNotSupported, ...
    message: str
    field: str = ""

    def to_dict(self) -> dict[str, str]:
        out = {"reason": self.reason, "message": self.message}
        if self.field:
            out["field"] = self.field
        return out


@dataclass
class APIError(Exception):
    code: int
    reason: str
    message: str
    details: dict[str, Any] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.message

    def status(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.message,
            "reason": self.reason,
            "code": self.code,
        }
        if self.details:
            out["details"] = self.details
        return out


def _qualified(resource: str, group: str) -> str:
    return f"{resource}.{group}" if group else resource


def _details(name: str, resource: str, group: str, **extra: Any) -> dict[str, Any]:
    d: dict[str, Any] = {}
    if name:
        d["name"] = name
    if group:
        d["group"] = group
    d["kind"] = resource
    d.update(extra)
    return d


def not_found(resource: str, name: str, group: str = "") -> APIError:
    return APIError(
        404,
        "NotFound",
        f'{_qualified(resource, group)} "{name}" not found',
        _details(name, resource, group),
    )


def already_exists(resource: str, name: str, group: str = "") -> APIError:
    return APIError(
        409,
        "AlreadyExists",
        f'{_qualified(resource, group)} "{name}" already exists',
        _details(name, resource, group),
    )


def conflict(resource: str, name: str, group: str = "", detail: str = "") -> APIError:
    detail = detail or (
        "the object has been modified; please apply your changes to the latest version "
        "and try again"
    )
    return APIError(
        409,
        "Conflict",
        f'Operation cannot be fulfilled on {_qualified(resource, group)} "{name}": {detail}',
        _details(name, resource, group),
    )


def invalid(kind: str, name: str, group: str, causes: list[Cause]) -> APIError:
    summary = ", ".join(
        f"{c.field}: {c.message}" if c.field else c.message for c in causes
    )
    if len(causes) > 1:
        summary = f"[{summary}]"
    return APIError(
        422,
        "Invalid",
        f'{_qualified(kind, group)} "{name}" is invalid: {summary}',
        _details(name, kind, group, causes=[c.to_dict() for c in causes]),
    )


def bad_request(message: str) -> APIError:
    return APIError(400, "BadRequest", message)


def unauthorized() -> APIError:
    return APIError(401, "Unauthorized", "Unauthorized")


def forbidden(
    user: str, verb: str, resource: str, group: str, namespace: str, name: str = ""
) -> APIError:
    what = _qualified(resource, group) + (f' "{name}"' if name else "")
    scope = f' in the namespace "{namespace}"' if namespace else " at the cluster scope"
    return APIError(
        403,
        "Forbidden",
        f'{what} is forbidden: User "{user}" cannot {verb} resource "{resource}" '
        f'in API group "{group}"{scope}',
        _details(name, resource, group),
    )


def forbidden_message(message: str, resource: str = "", group: str = "", name: str = ""
                      ) -> APIError:
    return APIError(403, "Forbidden", message, _details(name, resource, group))


def method_not_allowed(message: str = "the server does not allow this method on the "
                       "requested resource") -> APIError:
    return APIError(405, "MethodNotAllowed", message)


def gone(message: str) -> APIError:
    return APIError(410, "Expired", message)


def too_large(message: str = "Request entity too large: limit is 3145728") -> APIError:
    return APIError(413, "RequestEntityTooLarge", message)


# What create and update bodies may be written in; custom resources have no protobuf.
BODY_MEDIA_TYPES = ("application/json", "application/yaml", "application/vnd.kubernetes.protobuf")


def unsupported_media_type(content_type: str, accepted: tuple[str, ...] = (
        "application/json-patch+json", "application/merge-patch+json")) -> APIError:
    """415; `accepted` lists the types this request could have used (patch types by default)."""
    return APIError(
        415, "UnsupportedMediaType", f'the body of the request was in an unknown format - '
        f'accepted media types include: {", ".join(accepted)}; got "{content_type}"'
    )


def not_acceptable(message: str) -> APIError:
    return APIError(406, "NotAcceptable", message)


def internal(message: str) -> APIError:
    return APIError(500, "InternalError", f"Internal error occurred: {message}")


def timeout(message: str) -> APIError:
    return APIError(504, "Timeout", message)
