"""pods/log, pods/exec, pods/attach, pods/portforward: proxied to the pod's kubelet.

As in Kubernetes, the API server does not run containers itself: it finds
the pod's node (`spec.nodeName`), the node's InternalIP and kubelet port
(`status.daemonEndpoints.kubeletEndpoint.Port`), and forwards the request to
the kubelet's HTTPS API with the node token as credentials (the kubelet's
self-signed certificate is not verified, the default of kube-apiserver
without `--kubelet-certificate-authority`).

- log: `GET .../pods/NAME/log?container=&follow=&tailLines=&previous=
  &timestamps=&sinceSeconds=&sinceTime=&limitBytes=` becomes
  `/containerLogs/NS/NAME/CONTAINER`; the answer streams through as it comes.
- exec, attach, portforward: the client's WebSocket (channel protocols) is
  accepted with the subprotocol the kubelet chose and relayed message by
  message, both ways, until either side closes.

The container defaults as Kubernetes does: the only container, or the one
named by the `kubectl.kubernetes.io/default-container` annotation; several
without a choice give 400 naming them. A pod not yet on a node, or a node
without an address, is a 400 the user can act on.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import aiohttp
from aiohttp import WSMsgType, web

from pyk8s.api import errors
from pyk8s.apiserver.context import RequestContext

NODE_TOKEN = web.AppKey("node_token", str)
DEFAULT_CONTAINER = "kubectl.kubernetes.io/default-container"
CHANNEL_PROTOCOLS = ("v5.channel.k8s.io", "v4.channel.k8s.io", "v3.channel.k8s.io",
                     "v2.channel.k8s.io", "channel.k8s.io")


def _container(pod: dict[str, Any], requested: str) -> str:
    spec = pod["spec"]
    names = [c["name"] for c in spec.get("containers") or []]
    all_names = [c["name"] for c in spec.get("initContainers") or []] + names
    name = pod["metadata"]["name"]
    if requested:
        if requested not in all_names:
            raise errors.bad_request(f"container {requested} is not valid for pod {name}")
        return requested
    default = (pod["metadata"].get("annotations") or {}).get(DEFAULT_CONTAINER)
    if default in all_names:
        return str(default)
    if len(names) == 1:
        return names[0]
    raise errors.bad_request(f"a container name must be specified for pod {name}, choose "
                             f"one of: [{' '.join(names)}]")


async def _kubelet(ctx: RequestContext) -> tuple[str, dict[str, Any]]:
    pod = await ctx.storage.get(ctx.r, ctx.namespace, ctx.info.name)
    node_name = pod["spec"].get("nodeName")
    if not node_name:
        raise errors.bad_request(f"pod {pod['metadata']['name']} does not have a host "
                                 "assigned")
    nodes = ctx.storages.registry.lookup("", "v1", "nodes")
    assert nodes is not None
    try:
        node = await ctx.storages.for_resource(nodes).get(nodes, "", node_name)
    except errors.APIError:
        raise errors.bad_request(f'node "{node_name}" of pod {pod["metadata"]["name"]} '
                                 "is not registered") from None
    status = node.get("status") or {}
    address = next((a["address"] for a in status.get("addresses") or []
                    if a.get("type") == "InternalIP"), None)
    port = ((status.get("daemonEndpoints") or {}).get("kubeletEndpoint") or {}).get("Port")
    if not address or not port:
        raise errors.bad_request(f'node "{node_name}" has no kubelet address yet')
    host = f"[{address}]" if ":" in address else address
    return f"https://{host}:{port}", pod


def _headers(ctx: RequestContext) -> dict[str, str]:
    return {"Authorization": f"Bearer {ctx.request.app[NODE_TOKEN]}"}


async def _error_from_kubelet(resp: aiohttp.ClientResponse) -> errors.APIError:
    body = await resp.read()
    try:
        import orjson

        status = orjson.loads(body)
        return errors.APIError(resp.status, status.get("reason", "BadRequest"),
                               status.get("message", ""))
    except Exception:
        return errors.APIError(resp.status, "InternalError",
                               body.decode(errors="replace").strip() or resp.reason or "")


async def log(ctx: RequestContext) -> web.StreamResponse:
    base, pod = await _kubelet(ctx)
    container = _container(pod, ctx.query("container"))
    params = {k: v for k, v in ctx.request.query.items() if k in (
        "follow", "tailLines", "previous", "timestamps", "sinceSeconds", "sinceTime",
        "limitBytes")}
    url = f"{base}/containerLogs/{ctx.namespace}/{ctx.info.name}/{container}"
    timeout = aiohttp.ClientTimeout(total=None, sock_connect=10)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        try:
            resp = await session.get(url, params=params, headers=_headers(ctx), ssl=False)
        except aiohttp.ClientError as e:
            raise errors.APIError(502, "InternalError",
                                  f"cannot reach the kubelet at {base}: {e}") from None
        async with resp:
            if resp.status != 200:
                raise await _error_from_kubelet(resp)
            out = web.StreamResponse(headers={"Content-Type": "text/plain"})
            await out.prepare(ctx.request)
            with contextlib.suppress(ConnectionResetError, aiohttp.ClientPayloadError):
                async for chunk in resp.content.iter_any():
                    await out.write(chunk)
            with contextlib.suppress(ConnectionResetError):
                await out.write_eof()
            return out


async def _relay(ctx: RequestContext, base: str, path: str) -> web.StreamResponse:
    if not ctx.request.headers.get("Upgrade", "").lower() == "websocket":
        raise errors.bad_request("this endpoint needs a WebSocket upgrade "
                                 f"(subprotocols {', '.join(CHANNEL_PROTOCOLS)})")
    offered = [p.strip() for p in ctx.request.headers.get("Sec-WebSocket-Protocol", "")
               .split(",") if p.strip()]
    url = f"{base}{path}"
    session = aiohttp.ClientSession()
    try:
        try:
            upstream = await session.ws_connect(
                url, params=list(ctx.request.query.items()), headers=_headers(ctx),
                protocols=offered or CHANNEL_PROTOCOLS, ssl=False, max_msg_size=0,
                heartbeat=30.0)
        except aiohttp.WSServerHandshakeError as e:
            # The kubelet refused before upgrading; ask again without the upgrade
            # to read its Status (e.g. the container is not running).
            async with session.get(url, params=list(ctx.request.query.items()),
                                   headers=_headers(ctx), ssl=False) as resp:
                refusal = await _error_from_kubelet(resp)
            raise errors.APIError(e.status if e.status >= 400 else 502, refusal.reason,
                                  f"unable to upgrade connection: {refusal.message}"
                                  ) from None
        except aiohttp.ClientError as e:
            raise errors.APIError(502, "InternalError",
                                  f"cannot reach the kubelet at {base}: {e}") from None
        chosen = upstream.protocol
        client = web.WebSocketResponse(protocols=(chosen,) if chosen else (),
                                       max_msg_size=0, heartbeat=30.0)
        await client.prepare(ctx.request)

        async def down() -> None:
            async for msg in upstream:
                if msg.type == WSMsgType.BINARY:
                    await client.send_bytes(msg.data)
                elif msg.type == WSMsgType.TEXT:
                    await client.send_str(msg.data)

        async def up() -> None:
            async for msg in client:
                if msg.type == WSMsgType.BINARY:
                    await upstream.send_bytes(msg.data)
                elif msg.type == WSMsgType.TEXT:
                    await upstream.send_str(msg.data)

        tasks = [asyncio.create_task(down()), asyncio.create_task(up())]
        try:
            await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await upstream.close()
            await client.close()
        return client
    finally:
        await session.close()


def _require_running(pod: dict[str, Any], container: str) -> None:
    """Refuse, for either protocol, what the kubelet would refuse: a container that
    its pod's status does not show running."""
    status = pod.get("status") or {}
    for cs in [*(status.get("initContainerStatuses") or []),
               *(status.get("containerStatuses") or [])]:
        if cs.get("name") == container and "running" in (cs.get("state") or {}):
            return
    raise errors.bad_request(f'unable to upgrade connection: container not found ("{container}")')


async def exec_(ctx: RequestContext) -> web.StreamResponse:
    base, pod = await _kubelet(ctx)
    container = _container(pod, ctx.query("container"))
    _require_running(pod, container)
    if not ctx.request.query.getall("command", []):
        raise errors.bad_request("you must specify at least 1 command")
    return await _relay(ctx, base, f"/exec/{ctx.namespace}/{ctx.info.name}/{container}")


async def attach(ctx: RequestContext) -> web.StreamResponse:
    base, pod = await _kubelet(ctx)
    container = _container(pod, ctx.query("container"))
    _require_running(pod, container)
    return await _relay(ctx, base, f"/attach/{ctx.namespace}/{ctx.info.name}/{container}")


async def portforward(ctx: RequestContext) -> web.StreamResponse:
    base, _ = await _kubelet(ctx)
    return await _relay(ctx, base, f"/portForward/{ctx.namespace}/{ctx.info.name}")
