"""Images for air-gapped nodes: `pyk8s images import` / `ls`, and import at start.

Archives (OCI image layouts or `docker save` tarballs) are imported into
containerd's `k8s.io` namespace with containerd's own `ctr images import`,
where the CRI plugin sees them at once. At start the agent writes the
project's own images (the sandbox image and busybox, `imagebuild.py`) into
`<data-dir>/agent/images/` if they are not there yet, then imports every
`*.tar` found in that folder, so a node needs no registry at all.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from pyk8s.agent.containerd import NAMESPACE
from pyk8s.kubelet import imagebuild

log = logging.getLogger(__name__)


class ImageImportError(Exception):
    pass


async def import_archive(address: str, archive: Path) -> str:
    proc = await asyncio.create_subprocess_exec(
        "ctr", "--address", address, "-n", NAMESPACE, "images", "import",
        "--all-platforms", str(archive),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    out, _ = await proc.communicate()
    text = out.decode(errors="replace").strip()
    if proc.returncode != 0:
        raise ImageImportError(f"importing {archive} failed: {text}")
    return text


async def import_folder(address: str, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    await asyncio.to_thread(imagebuild.build, folder, only_missing=True)
    for archive in sorted(folder.glob("*.tar")):
        try:
            await import_archive(address, archive)
            log.info("imported %s", archive.name)
        except ImageImportError as e:
            log.error("%s", e)


async def list_images(address: str) -> str:
    proc = await asyncio.create_subprocess_exec(
        "ctr", "--address", address, "-n", NAMESPACE, "images", "ls",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    out, _ = await proc.communicate()
    if proc.returncode != 0:
        raise ImageImportError(out.decode(errors="replace").strip())
    rows = []
    for line in out.decode().splitlines()[1:]:
        parts = line.split()
        if len(parts) >= 5 and not parts[0].startswith("sha256:"):
            ref = parts[0]
            repo, _, tag = ref.rpartition(":") if "@" not in ref else (ref, "", "<none>")
            rows.append((repo, tag, parts[2].removeprefix("sha256:")[:13], parts[3] + parts[4]
                         if parts[4].endswith("B") else parts[3]))
    width = max([len("IMAGE"), *(len(r[0]) for r in rows)])
    lines = [f"{'IMAGE':<{width}}  {'TAG':<10}  {'IMAGE ID':<13}  SIZE"]
    lines += [f"{r[0]:<{width}}  {r[1]:<10}  {r[2]:<13}  {r[3]}" for r in rows]
    return "\n".join(lines) + "\n"
