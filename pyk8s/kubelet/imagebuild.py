"""The images a node needs without a registry, built offline from the host.

No public image can be pulled here, so the project makes its own, as OCI
image-layout archives that `ctr images import` (and so `pyk8s images import`)
reads:

- `busybox`: Debian's busybox-static binary with a symlink per applet (sh,
  httpd, sleep, nc, wget, ...), tagged `docker.io/library/busybox:1.35` and
  `:latest`. Pods name it `busybox:1.35` so that the default pull policy is
  IfNotPresent (`:latest` defaults to Always, which needs a registry).
- `pause`: the sandbox (pod infrastructure) image, `PAUSE_IMAGE`. Its process
  holds the pod's namespaces and exits on SIGTERM/SIGINT; it is a ten-line C
  program compiled with `gcc -static` when gcc is there, otherwise busybox's
  `sleep` (containerd stops sandboxes with SIGKILL anyway).

Archives are deterministic (fixed timestamps, sorted entries), so rebuilding
gives the same image IDs. `python -m pyk8s.kubelet.imagebuild DIR` writes
`busybox.tar` and `pause.tar` into DIR.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Mapping
from pathlib import Path

BUSYBOX = Path("/bin/busybox")
BUSYBOX_IMAGES = ("docker.io/library/busybox:1.35", "docker.io/library/busybox:latest")
PAUSE_IMAGE = "docker.io/pyk8s/pause:1.0"

_PAUSE_C = r"""
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
static void quit(int s) { (void)s; _exit(0); }
static void reap(int s) { (void)s; while (waitpid(-1, 0, WNOHANG) > 0) {} }
int main(void) {
  signal(SIGINT, quit); signal(SIGTERM, quit); signal(SIGCHLD, reap);
  for (;;) pause();
}
"""


def _tar_layer(files: dict[str, bytes | str | None]) -> bytes:
    """A tarball: path -> file bytes (mode 0755, 0644 under etc/), a symlink target
    (str), or None for a directory (mode 0755; "tmp" gets 1777)."""
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for path in sorted(files):
            content = files[path]
            info = tarfile.TarInfo(path)
            info.mtime = 0
            if content is None:
                info.type = tarfile.DIRTYPE
                info.mode = 0o1777 if path == "tmp" else 0o755
                tar.addfile(info)
            elif isinstance(content, str):
                info.type = tarfile.SYMTYPE
                info.linkname = content
                info.mode = 0o777
                tar.addfile(info)
            else:
                info.size = len(content)
                info.mode = 0o644 if path.startswith("etc/") else 0o755
                tar.addfile(info, io.BytesIO(content))
    return out.getvalue()


def _digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def oci_archive(names: tuple[str, ...], layer: bytes, config: Mapping[str, object]) -> bytes:
    """An OCI image-layout tar holding one single-layer image under `names`."""
    blob = gzip.compress(layer, mtime=0)
    image_config = {
        "architecture": "amd64", "os": "linux", "created": "1970-01-01T00:00:00Z",
        "config": config,
        "rootfs": {"type": "layers", "diff_ids": [_digest(layer)]},
        "history": [{"created": "1970-01-01T00:00:00Z", "created_by": "pyk8s imagebuild"}],
    }
    config_bytes = json.dumps(image_config, sort_keys=True).encode()
    manifest = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                   "digest": _digest(config_bytes), "size": len(config_bytes)},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                    "digest": _digest(blob), "size": len(blob)}],
    }
    manifest_bytes = json.dumps(manifest, sort_keys=True).encode()
    index = {
        "schemaVersion": 2,
        "manifests": [{
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "digest": _digest(manifest_bytes), "size": len(manifest_bytes),
            "platform": {"architecture": "amd64", "os": "linux"},
            "annotations": {"io.containerd.image.name": name,
                            "org.opencontainers.image.ref.name": name.rsplit(":", 1)[1]},
        } for name in names],
    }
    files: dict[str, bytes | str | None] = {
        "oci-layout": b'{"imageLayoutVersion":"1.0.0"}',
        "index.json": json.dumps(index, sort_keys=True).encode(),
        "blobs": None, "blobs/sha256": None,
    }
    for data in (blob, config_bytes, manifest_bytes):
        files["blobs/sha256/" + _digest(data)[7:]] = data
    return _tar_layer(files)


def _base_files() -> dict[str, bytes | str | None]:
    return {
        "etc": None, "tmp": None, "proc": None, "sys": None, "dev": None, "root": None,
        "var": None, "etc/passwd": b"root:x:0:0:root:/root:/bin/sh\n"
                                   b"nobody:x:65534:65534:nobody:/:/bin/false\n",
        "etc/group": b"root:x:0:\nnobody:x:65534:\n",
    }


def busybox_archive() -> bytes:
    if not BUSYBOX.exists():
        raise FileNotFoundError(f"{BUSYBOX} is missing: install Debian's busybox-static")
    files = _base_files()
    files.update({"bin": None, "sbin": None, "usr": None, "usr/bin": None,
                  "usr/sbin": None, "bin/busybox": BUSYBOX.read_bytes()})
    applets = subprocess.run([str(BUSYBOX), "--list-full"], capture_output=True, text=True,
                             check=True).stdout.split()
    for applet in applets:
        if applet != "bin/busybox":
            files[applet] = "/bin/busybox"
    config = {"Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
              "Cmd": ["sh"]}
    return oci_archive(BUSYBOX_IMAGES, _tar_layer(files), config)


def _pause_binary() -> bytes | None:
    gcc = shutil.which("gcc")
    if gcc is None:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        src, out = Path(tmp, "pause.c"), Path(tmp, "pause")
        src.write_text(_PAUSE_C)
        done = subprocess.run([gcc, "-static", "-Os", "-s", "-o", str(out), str(src)],
                              capture_output=True)
        return out.read_bytes() if done.returncode == 0 else None


def pause_archive() -> bytes:
    files = _base_files()
    binary = _pause_binary()
    if binary is not None:
        files["pause"] = binary
        entrypoint = ["/pause"]
    else:
        files.update({"bin": None, "bin/busybox": BUSYBOX.read_bytes()})
        entrypoint = ["/bin/busybox", "sleep", "2147483647"]
    return oci_archive((PAUSE_IMAGE,), _tar_layer(files), {"Entrypoint": entrypoint})


def build(directory: Path, *, only_missing: bool = False) -> list[Path]:
    """Write busybox.tar and pause.tar into `directory`; returns the paths written."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, make in (("pause.tar", pause_archive), ("busybox.tar", busybox_archive)):
        path = directory / name
        if only_missing and path.exists():
            continue
        if name == "busybox.tar" and not BUSYBOX.exists():
            continue
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(make())
        tmp.rename(path)
        written.append(path)
    return written


if __name__ == "__main__":
    for p in build(Path(sys.argv[1] if len(sys.argv) > 1 else ".")):
        print(p)
