"""Per-request plumbing shared by the handlers: body decoding and response encoding.

A `RequestContext` carries what every resource handler needs: the parsed
`RequestInfo`, the `ResourceType` the client addressed, its storage, the
authenticated user, and helpers for the query string. Bodies are decoded
from JSON, YAML or, for built-in kinds, Kubernetes protobuf (never more than
3 MiB); replies are JSON, or a `meta.k8s.io/v1` Table when the client's
Accept header asks for one (`kubectl get`), with `Warning` headers
accumulated along the way. Replies are protobuf only for a client that
accepts protobuf and not JSON (kubectl and Go clients accept both, and JSON
is what every other part of pyk8s speaks and logs).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import orjson
import yaml
from aiohttp import web

from pyk8s.api import errors, protobuf
from pyk8s.api.resource import ResourceType
from pyk8s.api.tables import table
from pyk8s.apiserver.fieldvalidation import check_fields
from pyk8s.apiserver.requestinfo import RequestInfo
from pyk8s.apiserver.rest import ResourceStorage, Storages

Obj = dict[str, Any]
MAX_BODY = 3 * 1024 * 1024
JSON = "application/json"
YAML = "application/yaml"
YAML_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass
class User:
    name: str
    groups: tuple[str, ...] = ()
    uid: str = ""
    extra: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class RequestContext:
    request: web.Request
    info: RequestInfo
    user: User
    storages: Storages
    resource: ResourceType | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def r(self) -> ResourceType:
        assert self.resource is not None
        return self.resource

    @property
    def storage(self) -> ResourceStorage:
        return self.storages.for_resource(self.r)

    @property
    def namespace(self) -> str:
        return self.info.namespace if self.r.namespaced else ""

    def query(self, name: str, default: str = "") -> str:
        return self.request.query.get(name, default)

    def flag(self, name: str) -> bool:
        return self.query(name).lower() in ("true", "1")

    def int_query(self, name: str) -> int | None:
        value = self.query(name)
        if value == "":
            return None
        try:
            return int(value)
        except ValueError:
            raise errors.bad_request(f"invalid value for {name}: {value!r}") from None

    @property
    def dry_run(self) -> bool:
        values = self.request.query.getall("dryRun", [])
        for value in values:
            if value != "All":
                raise errors.bad_request(f"Invalid dry run value: {value!r}; only 'All' is "
                                         f"supported")
        return bool(values)

    # Bodies ---------------------------------------------------------------

    async def raw_body(self) -> bytes:
        length = self.request.content_length
        if length is not None and length > MAX_BODY:
            raise errors.too_large()
        # read(n) returns what has arrived so far: keep reading to the end.
        body = bytearray()
        while chunk := await self.request.content.read(MAX_BODY + 1 - len(body)):
            body += chunk
            if len(body) > MAX_BODY:
                raise errors.too_large()
        return bytes(body)

    async def body(self, *, validate_fields: bool = False) -> Any:
        """The request body as a JSON value, checked by ?fieldValidation when asked."""
        raw = await self.raw_body()
        ctype = self.request.content_type
        if ctype in ("application/yaml", "application/x-yaml", "text/yaml"):
            try:
                obj = yaml.load(raw, Loader=YAML_LOADER)
            except yaml.YAMLError as e:
                raise errors.bad_request(f"error converting YAML to JSON: {e}") from None
        elif ctype in (JSON, "", "application/octet-stream", "text/plain") or \
                ctype.endswith("+json"):
            obj = decode_json(raw)
        elif ctype == protobuf.MEDIA_TYPE and self._has_protobuf():
            # As in Kubernetes, protobuf bodies get no strict field checks:
            # their decoding cannot see unknown or duplicate fields.
            return decode_protobuf(raw)
        else:
            raise errors.unsupported_media_type(ctype, errors.BODY_MEDIA_TYPES
                                                if self._has_protobuf() else (JSON, YAML))
        if validate_fields and self.resource is not None:
            self.warnings += check_fields(raw if ctype != "application/yaml" else None, obj,
                                          self.r, self.query("fieldValidation"))
        return obj

    def _has_protobuf(self) -> bool:
        """Whether the addressed resource is a built-in kind (custom ones have no protobuf)."""
        return self.resource is None or \
            protobuf.schema(self.r.api_version, self.r.kind) is not None

    # Replies --------------------------------------------------------------

    def wants_protobuf(self) -> bool:
        """Whether the reply must be protobuf: the client accepts it, and not JSON."""
        accepted = [part.split(";")[0].strip().lower()
                    for part in self.request.headers.get("Accept", "").split(",")]
        return protobuf.MEDIA_TYPE in accepted and not any(
            a in (JSON, "*/*", "application/*", "") for a in accepted)

    def wants_table(self) -> bool:
        accept = self.request.headers.get("Accept", "")
        first = accept.split(",")[0]
        return "as=Table" in first and "g=meta.k8s.io" in first

    def respond(self, obj: Any, status: int = 200) -> web.Response:
        headers = {}
        if self.warnings:
            headers["Warning"] = ", ".join(f'299 - {orjson.dumps(w).decode()}'
                                           for w in self.warnings)
        if self.wants_protobuf() and isinstance(obj, dict) and \
                protobuf.schema(obj.get("apiVersion", ""), obj.get("kind", "")) is not None:
            try:
                body = protobuf.encode_object(obj)
            except protobuf.ProtobufError as e:
                raise errors.internal(f"cannot encode the reply as protobuf: {e}") from None
            return web.Response(body=body, status=status, content_type=protobuf.MEDIA_TYPE,
                                headers=headers)
        return web.Response(body=orjson.dumps(obj), status=status, content_type=JSON,
                            headers=headers)

    def respond_objects(self, objects: list[Obj], resource_version: str, *,
                        continue_token: str = "", remaining: int | None = None,
                        single: bool = False, status: int = 200) -> web.Response:
        """A list (or one object) as the client asked: JSON or a Table."""
        if self.wants_table():
            return self.respond(table(
                self.r, objects, resource_version=resource_version,
                continue_token=continue_token,
                include_object=self.query("includeObject", "Metadata"),
            ), status)
        if single:
            return self.respond(objects[0], status)
        meta: Obj = {"resourceVersion": resource_version}
        if continue_token:
            meta["continue"] = continue_token
        if remaining is not None:
            meta["remainingItemCount"] = remaining
        return self.respond({
            "kind": self.r.list_kind,
            "apiVersion": self.r.api_version,
            "metadata": meta,
            "items": objects,
        }, status)


def decode_json(raw: bytes) -> Any:
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as e:
        raise errors.bad_request(
            f"couldn't get version/kind; json parse error: {e}") from None


def decode_protobuf(raw: bytes) -> Any:
    """An enveloped protobuf body as a JSON object; 400 if it is malformed."""
    try:
        return protobuf.decode_object(raw)
    except protobuf.ProtobufError as e:
        raise errors.bad_request(f"error decoding the protobuf request body: {e}") from None


def decode_body(raw: bytes, content_type: str) -> Any:
    """A JSON body, or a protobuf one (Go clients send options and Scale bodies so)."""
    return decode_protobuf(raw) if content_type == protobuf.MEDIA_TYPE else decode_json(raw)


def status_success(details: Obj | None = None) -> Obj:
    out: Obj = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success"}
    if details:
        out["details"] = details
    return out


Handler = Callable[[RequestContext], Any]
