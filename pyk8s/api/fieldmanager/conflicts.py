"""Apply conflicts: fields an applier would change that another manager owns.

An apply that changes the value of a field another manager owns fails with
409 Conflict, unless it is forced, naming each manager and field the way
kube-apiserver does (on one line):

    Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using apps/v1:
    .spec.replicas

(several conflicts are listed one per line, grouped by manager), with one
`FieldManagerConflict` cause per field. An Update manager is named with the
API version it wrote through, an applier by name alone; either with the
subresource it used, if any.
"""

from __future__ import annotations

from dataclasses import dataclass

from pyk8s.api.errors import APIError, Cause
from pyk8s.api.fieldmanager.fieldpath import path_string
from pyk8s.api.fieldmanager.managedfields import UPDATE, Entry

__all__ = ["Conflict", "Conflicts"]


@dataclass(frozen=True)
class Conflict:
    manager: Entry
    path: tuple[str, ...]


def describe_manager(e: Entry) -> str:
    out = f'"{e.manager}"'
    if e.subresource:
        out += f' with subresource "{e.subresource}"'
    if e.operation == UPDATE:
        out += f" using {e.api_version}"
    return out


class Conflicts(Exception):
    """Raised by an unforced apply; `status()` is the 409 to answer."""

    def __init__(self, conflicts: list[Conflict]) -> None:
        super().__init__(f"{len(conflicts)} conflicts")
        self.conflicts = conflicts

    def error(self) -> APIError:
        conflicts = sorted(self.conflicts, key=lambda c: (
            c.manager.manager, c.manager.operation, c.manager.api_version,
            c.manager.subresource))
        if len(conflicts) == 1:
            c = conflicts[0]
            message = (f"Apply failed with 1 conflict: conflict with "
                       f"{describe_manager(c.manager)}: {path_string(c.path)}")
        else:
            lines: list[str] = []
            shown: Entry | None = None
            for c in conflicts:
                if c.manager is not shown:
                    lines.append(f"conflicts with {describe_manager(c.manager)}:")
                    shown = c.manager
                lines.append(f"- {path_string(c.path)}")
            message = f"Apply failed with {len(conflicts)} conflicts: " + "\n".join(lines)
        causes = [Cause("FieldManagerConflict", f"conflict with {describe_manager(c.manager)}",
                        path_string(c.path)) for c in conflicts]
        return APIError(409, "Conflict", message,
                        {"causes": [cause.to_dict() for cause in causes]})
