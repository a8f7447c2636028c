"""ServiceAccount controller: every namespace has a `default` ServiceAccount.

In: namespaces and ServiceAccounts. Out: `default` created in each namespace
that is not being deleted, again whenever someone deletes it.
"""

from __future__ import annotations

from typing import Any

from pyk8s.client import (
    APIStatusError,
    EventRecorder,
    RequestError,
    is_already_exists,
    is_not_found,
)
from pyk8s.controllers.context import Controller, ControllerContext, by_namespace

Obj = dict[str, Any]
DEFAULT = "default"


class ServiceAccountController(Controller):
    name = "serviceaccount-controller"
    alias = "serviceaccount"
    component = "service-account-controller"
    workers = 2

    def __init__(self, ctx: ControllerContext, recorder: EventRecorder) -> None:
        super().__init__(ctx, recorder)
        self.namespaces = self.watch(ctx.informers.informer("v1", "namespaces"))
        self.accounts = self.watch(ctx.informers.informer(
            "v1", "serviceaccounts", indexers={"namespace": by_namespace}))
        self.namespaces.add_handlers(self.enqueue, lambda old, new: self.enqueue(new))
        self.accounts.add_handlers(on_delete=self._account_deleted)

    def _account_deleted(self, sa: Obj) -> None:
        if sa["metadata"]["name"] == DEFAULT:
            self.queue.add(sa["metadata"]["namespace"])

    async def sync(self, key: str) -> None:
        ns = self.namespaces.store.get(key)
        if ns is None or ns["metadata"].get("deletionTimestamp") or \
                (ns.get("status") or {}).get("phase") == "Terminating":
            return
        if self.accounts.store.get(f"{key}/{DEFAULT}") is not None:
            return
        try:
            await self.client.create("v1", "serviceaccounts", {
                "apiVersion": "v1", "kind": "ServiceAccount",
                "metadata": {"name": DEFAULT, "namespace": key}})
        except RequestError as e:
            # Already there (the cache lagged), or the namespace went meanwhile.
            if not (is_already_exists(e) or is_not_found(e) or forbidden(e)):
                raise


def forbidden(e: RequestError) -> bool:
    """Refused: the namespace is being deleted."""
    return isinstance(e, APIStatusError) and e.code == 403
