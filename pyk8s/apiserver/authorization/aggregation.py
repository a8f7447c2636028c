"""The ClusterRole aggregation controller: writes aggregated rules into their roles.

In: every ClusterRole (the API server's watch cache). Out: each ClusterRole
with an `aggregationRule` has as its `rules` the union of the rules of the
ClusterRoles its selectors match, so that `kubectl describe clusterrole
admin` shows what `admin` grants. The authorizer does not wait for this
write: it resolves aggregation itself (`rbac.aggregated_rules`, the same
function), so a new labelled role counts at once. Each change to any
ClusterRole re-checks them all; writing back a role whose rules are already
right is skipped, so the controller's own writes settle after one round.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from pyk8s.api.errors import APIError
from pyk8s.apiserver.authorization.rbac import GROUP, aggregated_rules
from pyk8s.apiserver.rest import Storages

log = logging.getLogger(__name__)

Obj = dict[str, Any]
USER = "system:controller:clusterrole-aggregation-controller"


class ClusterRoleAggregationController:
    def __init__(self, storages: Storages) -> None:
        self.storages = storages

    async def run(self) -> None:
        roles = self.storages.of(f"clusterroles.{GROUP}")
        while True:
            try:
                async with roles.cache.watch(roles.prefix, lambda _: True, None) as (
                        _, watcher):
                    await self.sync()
                    while await watcher.queue.get() is not None:
                        while not watcher.queue.empty():  # one round for a burst of events
                            if watcher.queue.get_nowait() is None:
                                break
                        await self.sync()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("clusterrole aggregation failed; restarting in 1s")
                await asyncio.sleep(1)

    async def sync(self) -> None:
        s = self.storages.of(f"clusterroles.{GROUP}")
        current = {obj["metadata"]["name"]: obj for obj in s.cache.objects.values()}
        effective = aggregated_rules(current)
        for name, role in current.items():
            if not isinstance(role.get("aggregationRule"), dict) or \
                    (role.get("rules") or []) == effective[name]:
                continue
            try:
                await s.update(s.hub, "", name, {**role, "rules": effective[name]}, user=USER)
            except APIError as e:
                if e.code not in (404, 409):  # gone, or changed: its event comes next
                    raise
