"""The contract between a pod controller, its selector and its pod template.

Deployments, ReplicaSets, DaemonSets, StatefulSets, Jobs and
ReplicationControllers all own pods through a label selector and stamp them
from a template; Kubernetes checks the pair the same way everywhere: the
selector must be valid (and usually present and non-empty), the template's
labels must match it (`spec.template.metadata.labels: Invalid value:
map[string]string{"app":"x"}: `selector` does not match template `labels``),
and long-running controllers insist on `restartPolicy: Always`. The selector
of an apps/v1 workload can never change once created. Those rules live here,
for the kind modules to combine.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pyk8s.api import validation as v
from pyk8s.api.errors import APIError, Cause
from pyk8s.api.resource import Obj
from pyk8s.api.resources._common import (
    dig,
    go_map,
    go_selector,
    immutable,
    invalid_shown,
    mapping,
    text,
)
from pyk8s.api.resources._podspec import validate_pod_template
from pyk8s.api.selectors import LabelSelector, selector_from_object

TEMPLATE_MISMATCH = "`selector` does not match template `labels`"


def object_selector(selector: Any) -> LabelSelector | None:
    """A metav1.LabelSelector as a matcher (None: not a valid selector)."""
    try:
        return selector_from_object(selector if isinstance(selector, dict) else None)
    except APIError:
        return None


def selector_causes(spec: Obj, *, required: bool, empty_kind: str | None) -> list[Cause]:
    """`spec.selector`: present (if required), well formed, non-empty (if empty_kind)."""
    selector = spec.get("selector")
    if selector is None:
        return [v.required("spec.selector")] if required else []
    out = v.label_selector("spec.selector", selector)
    if empty_kind and isinstance(selector, dict) and \
            not (selector.get("matchLabels") or selector.get("matchExpressions")):
        out.append(invalid_shown("spec.selector", go_selector(selector),
                                 f"empty selector is invalid for {empty_kind}"))
    return out


def template_mismatch(path: str, selector: LabelSelector | None, template: Any) -> list[Cause]:
    """The template's labels must be selected by `selector` (an empty one selects all)."""
    if selector is None or selector.empty or not isinstance(template, dict):
        return []
    labels = mapping(template, "metadata").get("labels")
    if selector.matches(labels if isinstance(labels, dict) else None):
        return []
    return [invalid_shown(f"{path}.metadata.labels", go_map(labels), TEMPLATE_MISMATCH)]


def always_restart(template: Any, path: str, controller: str) -> list[Cause]:
    """Pods of long-running controllers restart Always and have no deadline."""
    if not isinstance(template, dict):
        return []
    out: list[Cause] = []
    policy = text(template, "spec", "restartPolicy")
    if policy != "Always":
        out.append(v.not_supported(f"{path}.spec.restartPolicy", policy, ["Always"]))
    if dig(template, "spec", "activeDeadlineSeconds") is not None:
        out.append(v.forbidden(f"{path}.spec.activeDeadlineSeconds",
                               f"activeDeadlineSeconds in {controller} is not Supported"))
    return out


def pod_controller_causes(spec: Obj, *, empty_kind: str, controller: str,
                          selector_required: bool = True,
                          extra_volumes: Iterable[str] = ()) -> list[Cause]:
    """Selector + template checks of an apps/v1 workload's spec."""
    template = spec.get("template")
    out = selector_causes(spec, required=selector_required, empty_kind=empty_kind)
    out += template_mismatch("spec.template", object_selector(spec.get("selector")), template)
    out += validate_pod_template(template, "spec.template", extra_volumes=extra_volumes)
    return out + always_restart(template, "spec.template", controller)


def selector_unchanged(new: Obj, old: Obj) -> list[Cause]:
    """apps/v1 selectors are immutable."""
    selector = dig(new, "spec", "selector")
    return immutable("spec.selector", selector, dig(old, "spec", "selector"),
                     go_selector(selector))
