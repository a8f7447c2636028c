"""Per-request plumbing shared by the handlers: body decoding and response encoding.

A `RequestContext` carries what every resource handler needs: the parsed
`RequestInfo`, the `ResourceType` the client addressed, its storage, the
authenticated user, and helpers for the query string. Bodies are decoded
from JSON or YAML (never more than 3 MiB); replies are JSON, or a
`meta.k8s.io/v1` Table when the client's Accept header asks for one
(`kubectl get`), with `Warning` headers accumulated along the way.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import orjson
import yaml
from aiohttp import web

from pyk8s.api import errors
from pyk8s.api.resource import ResourceType
from pyk8s.api.tables import table
from pyk8s.apiserver.fieldvalidation import check_fields
from pyk8s.apiserver.requestinfo import RequestInfo
from pyk8s.apiserver.rest import ResourceStorage, Storages

Obj = dict[str, Any]
MAX_BODY = 3 * 1024 * 1024
JSON = "application/json"
YAML_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass
class User:
    name: str
    groups: tuple[str, ...] = ()


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
        body = await self.request.content.read(MAX_BODY + 1)
        if len(body) > MAX_BODY:
            raise errors.too_large()
        return body

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
        else:
            raise errors.unsupported_media_type(ctype)
        if validate_fields and self.resource is not None:
            self.warnings += check_fields(raw if ctype != "application/yaml" else None, obj,
                                          self.r, self.query("fieldValidation"))
        return obj

    # Replies --------------------------------------------------------------

    def wants_table(self) -> bool:
        accept = self.request.headers.get("Accept", "")
        first = accept.split(",")[0]
        return "as=Table" in first and "g=meta.k8s.io" in first

    def respond(self, obj: Any, status: int = 200) -> web.Response:
        headers = {}
        if self.warnings:
            headers["Warning"] = ", ".join(f'299 - {orjson.dumps(w).decode()}'
                                           for w in self.warnings)
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


def status_success(details: Obj | None = None) -> Obj:
    out: Obj = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success"}
    if details:
        out["details"] = details
    return out


Handler = Callable[[RequestContext], Any]
