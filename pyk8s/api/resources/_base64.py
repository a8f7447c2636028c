"""Base64 as Kubernetes decodes it, with Go's error positions.

Secret `data` and ConfigMap `binaryData` values travel as base64 strings; the
API server decodes them with Go's `base64.StdEncoding` (padding required,
CR and LF ignored) and reports a bad value as `illegal base64 data at input
byte N`, N being where Go's decoder gave up. `base64_error` reproduces that
position so the message matches kube-apiserver's.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

_B64 = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


def base64_error(value: Any) -> str | None:
    """Go's `illegal base64 data at input byte N` for bad base64 (StdEncoding), else None."""
    if not isinstance(value, str):
        return "illegal base64 data at input byte 0"
    data = value.encode()
    position = _corrupt_at(data)
    return None if position is None else f"illegal base64 data at input byte {position}"


def _corrupt_at(src: bytes) -> int | None:
    si, n = 0, len(src)
    while si < n:
        j = 0
        while j < 4:
            if si == n:
                return None if j == 0 else si - j
            ch = src[si]
            si += 1
            if ch in b"\r\n":
                continue
            if ch in _B64:
                j += 1
                continue
            if ch != ord("=") or j < 2:
                return si - 1
            return _padding_end(src, si, j)
    return None


def _padding_end(src: bytes, si: int, j: int) -> int | None:
    """After a `=` at quantum position j (2 or 3): the rest may only be padding/newlines."""
    n = len(src)
    if j == 2:
        while si < n and src[si] in b"\r\n":
            si += 1
        if si == n:
            return n
        if src[si] != ord("="):
            return si - 1
        si += 1
    while si < n and src[si] in b"\r\n":
        si += 1
    return si if si < n else None


def decoded_size(value: Any) -> int:
    try:
        return len(base64.b64decode(value)) if isinstance(value, str) else 0
    except (binascii.Error, ValueError):
        return 0
