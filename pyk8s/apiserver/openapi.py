"""Serving OpenAPI: `/openapi/v3`, its group-version documents, and `/openapi/v2`.

kubectl 1.32 will not `create -f` or `apply -f` under its default
`--validate=strict` until it has seen, in `/openapi/v3/<group-version>`, a
PATCH operation for the object's group/version/kind that declares the
`fieldValidation` parameter; then it leaves validation to the server.
`kubectl explain` reads the same documents. The index at `/openapi/v3`
points at one document per group-version with a `?hash=` of its content:
kubectl caches documents by URL, so a changed document must change its URL.
`/openapi/v2` is one Swagger 2.0 document, as JSON or as gnostic protobuf.

The documents themselves are built by `pyk8s.api.openapi`. Here they are
rendered once and kept, bytes ready to send, until the registry changes
(a custom resource added, changed or removed): every request compares the
registry's current fingerprint with the one the documents were built from.
"""

from __future__ import annotations

import hashlib
from typing import Any

import orjson

from pyk8s.api.openapi import gnostic, v2, v3
from pyk8s.api.registry import Registry
from pyk8s.apiserver.discovery import fingerprint

Obj = dict[str, Any]
V2_PROTOBUF = gnostic.MEDIA_TYPE


def path_of(group: str, version: str) -> str:
    return f"apis/{group}/{version}" if group else f"api/{version}"


def _digest(body: bytes) -> str:
    return hashlib.sha512(body).hexdigest()[:128].upper()


class OpenAPI:
    """Rendered documents, cached until the registry changes."""

    def __init__(self, registry: Registry) -> None:
        self.registry = registry
        self._fingerprint: tuple[Any, ...] | None = None
        self._docs: dict[str, tuple[bytes, str]] = {}  # path -> (JSON, hash)
        self._index = b""
        self._v2: tuple[bytes, str] | None = None
        self._v2_protobuf: tuple[bytes, str] | None = None

    def _current(self) -> tuple[Any, ...]:
        # A CRD update replaces its ResourceType, or at least its schema.
        return (fingerprint(self.registry),
                tuple(id(r.openapi_schema) for r in self.registry))

    def _fresh(self) -> None:
        current = self._current()
        if current == self._fingerprint:
            return
        self._fingerprint = current
        self._v2 = self._v2_protobuf = None
        docs: dict[str, tuple[bytes, str]] = {}
        index: dict[str, Obj] = {}
        for group, versions in self.registry.groups().items():
            for version in versions:
                path = path_of(group, version)
                body = orjson.dumps(v3.document(
                    self.registry.in_group_version(group, version), group, version))
                digest = _digest(body)
                docs[path] = (body, digest)
                index[path] = {"serverRelativeURL": f"/openapi/v3/{path}?hash={digest}"}
        self._docs = docs
        self._index = orjson.dumps({"paths": index})

    def index(self) -> bytes:
        self._fresh()
        return self._index

    def get(self, path: str) -> tuple[bytes, str] | None:
        """A group-version document and its hash, or None."""
        self._fresh()
        return self._docs.get(path)

    def v2(self, *, protobuf: bool) -> tuple[bytes, str]:
        """The Swagger 2.0 document (JSON or gnostic protobuf) and its ETag."""
        self._fresh()
        if self._v2 is None:
            doc = v2.document(list(self.registry))
            body = orjson.dumps(doc)
            self._v2 = (body, _digest(body))
            proto = gnostic.document(doc)
            self._v2_protobuf = (proto, _digest(proto))
        out = self._v2_protobuf if protobuf else self._v2
        assert out is not None
        return out


def wants_v2_protobuf(accept: str) -> bool:
    """Does the Accept header prefer the protobuf form of /openapi/v2?"""
    for part in accept.split(","):
        media = part.split(";")[0].strip()
        if media.startswith("application/com.github.proto-openapi.spec.v2"):  # @v1.0 or .v1.0
            return True
        if media in ("application/json", "*/*", "application/*"):
            return False
    return False
