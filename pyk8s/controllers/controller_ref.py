"""Controller references: which controller owns an object, adoption and release.

An object has at most one ownerReference with `controller: true`: its
controller. A controller claims the objects its selector matches (`claim`):

- owned by it and still matching: kept;
- owned by it but no longer matching (someone relabelled it): released, the
  reference patched away, so the object is an orphan again;
- owned by another controller: left alone;
- an orphan that matches: adopted, a controller reference patched in;
  unless the controller (or the orphan) is being deleted. Before the first
  adoption the owner is read afresh from the API, so that an owner deleted
  and recreated under the same name never adopts for the old one.

Patches are merge patches carrying the object's resourceVersion, so a
concurrent change makes them fail with 409 instead of losing an update;
such an object is simply not claimed this time (the caller's next sync
retries).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any

from pyk8s.client import APIClient, RequestError, is_conflict, is_not_found

log = logging.getLogger(__name__)

Obj = dict[str, Any]


def controller_ref(obj: Obj) -> Obj | None:
    for ref in obj["metadata"].get("ownerReferences") or []:
        if ref.get("controller") is True:
            return dict(ref)
    return None


def new_controller_ref(owner: Obj) -> Obj:
    md = owner["metadata"]
    return {"apiVersion": owner["apiVersion"], "kind": owner["kind"], "name": md["name"],
            "uid": md["uid"], "controller": True, "blockOwnerDeletion": True}


def is_controlled_by(obj: Obj, owner: Obj) -> bool:
    ref = controller_ref(obj)
    return ref is not None and ref.get("uid") == owner["metadata"]["uid"]


async def claim(client: APIClient, owner: Obj, candidates: Iterable[Obj],
                matches: Callable[[Obj], bool], *, api_version: str, plural: str,
                owner_plural: str) -> list[Obj]:
    """The candidates `owner` controls after adopting and releasing as described above."""
    uid = owner["metadata"]["uid"]
    owner_deleting = bool(owner["metadata"].get("deletionTimestamp"))
    fresh_checked: bool | None = None
    claimed = []
    for obj in candidates:
        ref = controller_ref(obj)
        if ref is not None:
            if ref.get("uid") != uid:
                continue
            if matches(obj):
                claimed.append(obj)
            elif not owner_deleting:
                await _patch_refs(client, obj, [r for r in obj["metadata"]["ownerReferences"]
                                                if r.get("uid") != uid],
                                  api_version=api_version, plural=plural)
            continue
        if owner_deleting or obj["metadata"].get("deletionTimestamp") or not matches(obj):
            continue
        if fresh_checked is None:
            fresh_checked = await _can_adopt(client, owner, owner_plural)
        if not fresh_checked:
            continue
        refs = [*(obj["metadata"].get("ownerReferences") or []), new_controller_ref(owner)]
        adopted = await _patch_refs(client, obj, refs, api_version=api_version, plural=plural)
        if adopted is not None:
            claimed.append(adopted)
    return claimed


async def _can_adopt(client: APIClient, owner: Obj, owner_plural: str) -> bool:
    md = owner["metadata"]
    try:
        fresh = await client.get(owner["apiVersion"], owner_plural, md["name"],
                                 md.get("namespace"))
    except RequestError as e:
        if is_not_found(e):
            return False
        raise
    fmd = fresh["metadata"]
    return fmd.get("uid") == md["uid"] and not fmd.get("deletionTimestamp")


async def _patch_refs(client: APIClient, obj: Obj, refs: list[Obj], *, api_version: str,
                      plural: str) -> Obj | None:
    md = obj["metadata"]
    try:
        patched: Obj = await client.patch(
            api_version, plural, md["name"],
            {"metadata": {"ownerReferences": refs or None,
                          "resourceVersion": md["resourceVersion"]}},
            md.get("namespace"))
        return patched
    except RequestError as e:
        if is_not_found(e) or is_conflict(e):
            log.debug("claiming %s %s/%s: %s", plural, md.get("namespace"), md["name"], e)
            return None
        raise
