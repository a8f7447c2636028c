"""Secret stringData: write-only plain text folded into base64 `data`.

Users may put plain strings under a Secret's `stringData`; the server encodes
them into `data` (overriding keys of the same name) and never stores
`stringData` itself, so reads always show `data` only.
"""

from __future__ import annotations

import base64

from pyk8s.apiserver.admission import AdmissionPlugin, Attributes, Obj


def fold_string_data(secret: Obj) -> None:
    plain = secret.pop("stringData", None)
    if not isinstance(plain, dict):
        return
    data = secret.get("data")
    if not isinstance(data, dict):
        data = secret["data"] = {}
    for k, value in plain.items():
        data[k] = base64.b64encode(str(value).encode()).decode()


class SecretStringData(AdmissionPlugin):
    async def create(self, a: Attributes, obj: Obj) -> None:
        if a.resource.kind == "Secret":
            fold_string_data(obj)

    async def update(self, a: Attributes, new: Obj, old: Obj) -> None:
        if a.resource.kind == "Secret":
            fold_string_data(new)
