"""Images for containers: pull policy, pulls through CRI with pull secrets, back-off.

`ImageManager.ensure(pod, container)` returns the image reference to create
the container with, or raises `ImagePullError(reason, message)`:

- policy: the container's `imagePullPolicy`, defaulting as Kubernetes does
  (Always for `:latest` or no tag, IfNotPresent otherwise);
- Never with the image absent: ErrImageNeverPull;
- a failed pull: ErrImagePull, then ImagePullBackOff until the back-off
  (10 s doubling to 5 min, per image) has passed;
- credentials come from the pod's `imagePullSecrets` (type
  kubernetes.io/dockerconfigjson), matched by registry host.
"""

from __future__ import annotations

import base64
import json
import time
from typing import TYPE_CHECKING, Any

from pyk8s.client import NORMAL, WARNING
from pyk8s.kubelet.cri import pb

if TYPE_CHECKING:
    from pyk8s.kubelet.kubelet import Kubelet

Obj = dict[str, Any]


class ImagePullError(Exception):
    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


def default_policy(image: str) -> str:
    last = image.rsplit("/", 1)[-1]
    if "@" in last:
        return "IfNotPresent"
    if ":" not in last or last.endswith(":latest"):
        return "Always"
    return "IfNotPresent"


def registry_host(image: str) -> str:
    first = image.split("/", 1)[0]
    if "/" in image and ("." in first or ":" in first or first == "localhost"):
        return first
    return "docker.io"


class ImageManager:
    def __init__(self, kubelet: Kubelet) -> None:
        self.kubelet = kubelet
        self.backoff: dict[str, tuple[int, float]] = {}  # image -> (failures, until)

    async def present(self, image: str) -> str | None:
        reply = await self.kubelet.cri.image.ImageStatus(
            pb.ImageStatusRequest(image=pb.ImageSpec(image=image)))
        return str(reply.image.id) if reply.image.id else None

    async def _auth(self, pod: Obj, image: str) -> Any:
        host = registry_host(image)
        for ref in pod["spec"].get("imagePullSecrets") or []:
            try:
                secret = await self.kubelet.client.get("v1", "secrets", ref["name"],
                                                       pod["metadata"]["namespace"])
            except Exception:
                continue
            raw = (secret.get("data") or {}).get(".dockerconfigjson")
            if not raw:
                continue
            auths = json.loads(base64.b64decode(raw)).get("auths", {})
            for server, entry in auths.items():
                name = server.removeprefix("https://").removeprefix("http://").split("/")[0]
                if name == host or (host == "docker.io" and "docker.io" in name):
                    user, password = entry.get("username", ""), entry.get("password", "")
                    if entry.get("auth") and not user:
                        user, _, password = base64.b64decode(entry["auth"]).decode() \
                            .partition(":")
                    # No server_address: containerd parses it as a URL, which a
                    # bare host:port is not; the image names the registry anyway.
                    return pb.AuthConfig(username=user, password=password)
        return None

    async def ensure(self, pod: Obj, container: Obj) -> str:
        image = container.get("image", "")
        policy = container.get("imagePullPolicy") or default_policy(image)
        events = self.kubelet.events
        if policy != "Always":
            if await self.present(image):
                if policy == "IfNotPresent" or policy == "Never":
                    return image
            elif policy == "Never":
                msg = f'Container image "{image}" is not present with pull policy of Never'
                events.event(pod, WARNING, "ErrImageNeverPull", msg)
                raise ImagePullError("ErrImageNeverPull", msg)
        failures, until = self.backoff.get(image, (0, 0.0))
        if time.time() < until:
            raise ImagePullError("ImagePullBackOff", f'Back-off pulling image "{image}"')
        events.event(pod, NORMAL, "Pulling", f'Pulling image "{image}"')
        started = time.monotonic()
        try:
            await self.kubelet.cri.image.PullImage(pb.PullImageRequest(
                image=pb.ImageSpec(image=image), auth=await self._auth(pod, image)),
                timeout=300)
        except Exception as e:
            details = getattr(e, "details", None)
            text = str(details()) if callable(details) else str(e)
            self.backoff[image] = (failures + 1,
                                   time.time() + min(10.0 * 2 ** failures, 300.0))
            msg = f'Failed to pull image "{image}": {text}'
            events.event(pod, WARNING, "Failed", msg)
            raise ImagePullError("ErrImagePull", msg) from e
        self.backoff.pop(image, None)
        events.event(pod, NORMAL, "Pulled", f'Successfully pulled image "{image}" in '
                                            f"{time.monotonic() - started:.3f}s")
        return image
