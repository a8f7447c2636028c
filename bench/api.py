"""API server benchmark: throughput, latency and memory of a real `pyk8s server`.

Usage (from the repository root):

    .venv/bin/python bench/api.py [--backend sqlite|etcd|both] [--pods 10000] [--watchers 100]

For each backend it starts its own server (and, for etcd, its own etcd) through
`tests.support`, talks to it over HTTPS with the admin client certificate from
the server's kubeconfig on keep-alive aiohttp connections, and measures:

- creates/s of small but realistic Pods (one container with image, ports, env
  and resources) into one namespace, with 1 client and with 8 concurrent ones,
  and the server's CPU time per create (from /proc/<pid>/stat), which tells
  a server that is busy from one that waits on its datastore;
- GET latency (p50/p99) of existing pods, one request at a time;
- LIST latency of all `--pods` pods in the namespace: one full JSON list from
  the datastore, the same paged with `limit=500`, and `resourceVersion=0`
  (served from the watch cache); time is until the last byte of the last page
  has been read (the client does not parse it); median of several runs;
- watch delivery latency (p50/p99): `--watchers` concurrent watches of the
  namespace from "now", then paced creates; for every event at every watcher,
  the time it was read minus the time its create was sent (so the write's own
  latency is included, as a controller waiting for its write would see it);
- the server's resident memory (VmRSS) idle right after start, once the pods
  exist, and at the end with its peak (VmHWM); for etcd, etcd's own too.

Bench and server share the machine: the client's own CPU is in every figure,
as it would be for a controller on the same node. Counts are fixed, all
traffic goes to 127.0.0.1, and every process started is stopped by its PID on
the way out, including on errors and Ctrl-C. It prints figures and asserts
nothing; the project's targets are printed beside them.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import os
import signal
import ssl
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

import aiohttp
import orjson
import yaml

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.support import API_ONLY, Etcd, Server  # noqa: E402

NAMESPACE = "bench"
CREATES = 2000  # creates per throughput measurement
GETS = 2000
LIST_RUNS = 5  # each LIST variant is timed this many times; the median is reported
WATCH_EVENTS = 200  # writes observed by every watcher
WATCH_INTERVAL = 0.02  # seconds between those writes (50/s)
CONCURRENCY = 8

TARGETS = {
    "creates_1": ">= 1000/s",
    "creates_8": ">= 1000/s",
    "get_p99": "<= 5 ms",
    "list_full": "<= 0.5 s",
    "watch_p99": "<= 50 ms",
    "rss_idle": "<= 150 MB",
}


# Figures ---------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, round(q / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


@dataclass
class Figures:
    """One backend's results as display text; a missing key was not measured."""

    backend: str
    values: dict[str, str] = field(default_factory=dict)

    def put(self, key: str, text: str) -> None:
        self.values[key] = text
        log(f"  {self.backend}: {key} = {text}")


ROWS = [  # (key, label)
    ("rss_idle", "server RSS idle after start"),
    ("creates_1", "creates/s, 1 client (server CPU each)"),
    ("creates_8", f"creates/s, {CONCURRENCY} clients"),
    ("fill", f"creates/s, filling to N pods ({CONCURRENCY} clients)"),
    ("rss_full", "server RSS with N pods"),
    ("get", "GET p50 / p99"),
    ("list_full", "LIST N pods, full (JSON)"),
    ("list_paged", "LIST N pods, limit=500 pages"),
    ("list_rv0", "LIST N pods, resourceVersion=0"),
    ("watch", "watch delivery p50 / p99"),
    ("watch_lost", "watch events missing"),
    ("rss_end", "server RSS / peak at end"),
    ("etcd_rss", "etcd RSS at end"),
]


def print_table(results: list[Figures], pods: int, watchers: int) -> None:
    target_of = {"get": TARGETS["get_p99"] + " (p99)", "watch": TARGETS["watch_p99"] + " (p99)",
                 **TARGETS}
    header = ["metric", *(f.backend for f in results), "target"]
    rows: list[list[str]] = []
    for key, label in ROWS:
        cells = [f.values.get(key, "-") for f in results]
        if all(c == "-" for c in cells):
            continue
        rows.append([label.replace("N pods", f"{pods} pods"), *cells, target_of.get(key, "")])
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    line = "  ".join("-" * w for w in widths)
    print()
    print(f"pyk8s API benchmark: {pods} pods, {watchers} watchers, {os.cpu_count()} CPUs")
    print(line)
    print("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
    print(line)
    for r in rows:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)))
    print(line)


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms" if seconds < 10 else f"{seconds:.1f} s"


def proc_status(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM of a process, in kB."""
    out: dict[str, int] = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            name, _, rest = line.partition(":")
            if name in ("VmRSS", "VmHWM"):
                out[name] = int(rest.split()[0])
    return out


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def mb(kb: int) -> str:
    return f"{kb / 1024:.0f} MB"


# Talking to the server ------------------------------------------------------------


def ssl_context(kubeconfig: Path, workdir: Path) -> ssl.SSLContext:
    """Trust the cluster CA and present the admin client certificate from the kubeconfig."""
    cfg = yaml.safe_load(kubeconfig.read_text())
    cluster = cfg["clusters"][0]["cluster"]
    user = cfg["users"][0]["user"]
    files = {}
    for name, data in (("ca.crt", cluster["certificate-authority-data"]),
                       ("client.crt", user["client-certificate-data"]),
                       ("client.key", user["client-key-data"])):
        path = workdir / name
        path.write_bytes(base64.b64decode(data))
        path.chmod(0o600)
        files[name] = path
    ctx = ssl.create_default_context(cafile=str(files["ca.crt"]))
    ctx.load_cert_chain(str(files["client.crt"]), str(files["client.key"]))
    return ctx


def pod(name: str, annotations: dict[str, str] | None = None) -> dict[str, Any]:
    """A small, realistic Pod: one container with image, ports, env and resources."""
    md: dict[str, Any] = {"name": name, "labels": {"app": "bench", "tier": "web"}}
    if annotations:
        md["annotations"] = annotations
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": md,
        "spec": {
            "containers": [{
                "name": "web",
                "image": "nginx:1.27",
                "ports": [{"name": "http", "containerPort": 80, "protocol": "TCP"}],
                "env": [{"name": "MODE", "value": "bench"},
                        {"name": "LOG_LEVEL", "value": "info"}],
                "resources": {"requests": {"cpu": "100m", "memory": "64Mi"},
                              "limits": {"cpu": "500m", "memory": "128Mi"}},
            }],
        },
    }


class Client:
    def __init__(self, base: str, session: aiohttp.ClientSession) -> None:
        self.base = base
        self.session = session
        self.pods = f"{base}/api/v1/namespaces/{NAMESPACE}/pods"

    async def request(self, method: str, url: str, body: Any = None,
                      expect: int = 200) -> bytes:
        data = orjson.dumps(body) if body is not None else None
        headers = {"Content-Type": "application/json"} if data is not None else None
        async with self.session.request(method, url, data=data, headers=headers) as resp:
            raw = await resp.read()
            if resp.status != expect:
                raise RuntimeError(f"{method} {url}: {resp.status} {raw[:300]!r}")
            return raw

    async def create_pod(self, name: str) -> None:
        await self.request("POST", self.pods, pod(name), 201)

    async def current_rv(self) -> str:
        raw = await self.request("GET", f"{self.pods}?limit=1")
        rv: str = orjson.loads(raw)["metadata"]["resourceVersion"]
        return rv


async def create_many(c: Client, names: list[str], concurrency: int) -> float:
    """Create pods with `concurrency` clients each taking the next name; creates/s."""
    it: Iterator[str] = iter(names)

    async def worker() -> None:
        for name in it:
            await c.create_pod(name)

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return len(names) / (time.perf_counter() - start)


async def timed(fn: Callable[[], Awaitable[Any]]) -> float:
    start = time.perf_counter()
    await fn()
    return time.perf_counter() - start


async def list_paged(c: Client, limit: int) -> int:
    """Page through the namespace's pods; returns the number of pages."""
    token = ""
    pages = 0
    while True:
        url = f"{c.pods}?limit={limit}"
        if token:
            url += f"&continue={token}"
        body = orjson.loads(await c.request("GET", url))
        pages += 1
        token = body["metadata"].get("continue", "")
        if not token:
            return pages


# Watch ------------------------------------------------------------------------------


async def watch_latency(c: Client, ssl_ctx: ssl.SSLContext, watchers: int, events: int,
                        fig: Figures) -> None:
    """`watchers` watches from now; `events` paced creates; latency of every delivery."""
    sent: dict[str, float] = {}
    latencies: list[float] = []
    received = [0] * watchers
    done = asyncio.Event()
    expected = watchers * events
    rv = await c.current_rv()
    url = f"{c.pods}?watch=1&resourceVersion={rv}&timeoutSeconds=300"
    conn = aiohttp.TCPConnector(ssl=ssl_ctx, limit=0)
    timeout = aiohttp.ClientTimeout(total=None, sock_connect=30)
    async with aiohttp.ClientSession(connector=conn, timeout=timeout) as session:
        responses = await asyncio.gather(*(session.get(url) for _ in range(watchers)))
        for resp in responses:
            if resp.status != 200:
                raise RuntimeError(f"watch: {resp.status} {await resp.text()}")

        async def read(i: int, resp: aiohttp.ClientResponse) -> None:
            async for line in resp.content:
                now = time.perf_counter()
                ev = orjson.loads(line)
                name = ev["object"]["metadata"]["name"]
                t = sent.get(name)
                if t is None:
                    continue
                latencies.append(now - t)
                received[i] += 1
                if len(latencies) == expected:
                    done.set()

        readers = [asyncio.create_task(read(i, r)) for i, r in enumerate(responses)]
        try:
            for n in range(events):
                name = f"watched-{n}"
                sent[name] = time.perf_counter()
                await c.create_pod(name)
                await asyncio.sleep(WATCH_INTERVAL)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(done.wait(), 30)
        finally:
            for t in readers:
                t.cancel()
            await asyncio.gather(*readers, return_exceptions=True)
            for resp in responses:
                resp.close()
    if latencies:
        fig.put("watch", f"{ms(percentile(latencies, 50))} / {ms(percentile(latencies, 99))}")
    fig.put("watch_lost", f"{expected - len(latencies)} of {expected}")


# One backend -------------------------------------------------------------------------


async def measure(server: Server, etcd: Etcd | None, args: argparse.Namespace,
                  fig: Figures, workdir: Path) -> None:
    assert server.proc is not None
    pid = server.proc.pid
    await asyncio.sleep(1.0)  # let start-up settle before reading idle memory
    fig.put("rss_idle", mb(proc_status(pid)["VmRSS"]))

    ssl_ctx = ssl_context(server.kubeconfig, workdir)
    conn = aiohttp.TCPConnector(ssl=ssl_ctx, limit=CONCURRENCY * 2, keepalive_timeout=300)
    async with aiohttp.ClientSession(connector=conn) as session:
        c = Client(server.url, session)
        await c.request("POST", f"{server.url}/api/v1/namespaces",
                        {"apiVersion": "v1", "kind": "Namespace",
                         "metadata": {"name": NAMESPACE}}, 201)
        # Warm up: open the connections and touch the code paths once.
        await create_many(c, [f"warm-{i}" for i in range(CONCURRENCY * 4)], CONCURRENCY)
        made = CONCURRENCY * 4

        async def creates(key: str, names: list[str], concurrency: int) -> None:
            cpu = cpu_seconds(pid)
            rate = await create_many(c, names, concurrency)
            each = (cpu_seconds(pid) - cpu) / len(names)
            fig.put(key, f"{rate:.0f}/s ({each * 1000:.2f} ms CPU)")

        n = min(args.creates, args.pods)
        await creates("creates_1", [f"one-{i}" for i in range(n)], 1)
        made += n
        n = min(args.creates, max(args.pods - made, 0))
        if n:
            await creates("creates_8", [f"eight-{i}" for i in range(n)], CONCURRENCY)
            made += n
        if args.pods > made:
            await creates("fill", [f"fill-{i}" for i in range(args.pods - made)], CONCURRENCY)
        fig.put("rss_full", mb(proc_status(pid)["VmRSS"]))

        names = [f"one-{i}" for i in range(min(args.creates, args.pods))]
        lat = []
        for i in range(args.gets):
            url = f"{c.pods}/{names[i % len(names)]}"
            start = time.perf_counter()
            await c.request("GET", url)
            lat.append(time.perf_counter() - start)
        fig.put("get", f"{ms(percentile(lat, 50))} / {ms(percentile(lat, 99))}")

        count = len(orjson.loads(await c.request("GET", c.pods))["items"])
        if count != args.pods:
            log(f"  note: the namespace holds {count} pods, not {args.pods}")
        size = len(await c.request("GET", c.pods))
        full = [await timed(lambda: c.request("GET", c.pods)) for _ in range(LIST_RUNS)]
        fig.put("list_full", f"{ms(statistics.median(full))} ({size / 1e6:.1f} MB)")
        pages = 0

        async def paged() -> None:
            nonlocal pages
            pages = await list_paged(c, 500)

        paged_t = [await timed(paged) for _ in range(LIST_RUNS)]
        fig.put("list_paged", f"{ms(statistics.median(paged_t))} ({pages} pages)")
        rv0 = [await timed(lambda: c.request("GET", f"{c.pods}?resourceVersion=0"))
               for _ in range(LIST_RUNS)]
        fig.put("list_rv0", ms(statistics.median(rv0)))

        await watch_latency(c, ssl_ctx, args.watchers, args.watch_events, fig)

    st = proc_status(pid)
    fig.put("rss_end", f"{mb(st['VmRSS'])} / {mb(st['VmHWM'])}")
    if etcd is not None and etcd.proc is not None:
        fig.put("etcd_rss", mb(proc_status(etcd.proc.pid)["VmRSS"]))


def run_backend(backend: str, args: argparse.Namespace) -> Figures:
    fig = Figures(backend)
    with tempfile.TemporaryDirectory(prefix=f"pyk8s-bench-{backend}-") as tmp:
        base = Path(tmp)
        (base / "client").mkdir()
        etcd: Etcd | None = None
        server: Server | None = None
        try:
            endpoint = ""
            if backend == "etcd":
                etcd = Etcd(base / "etcd")
                etcd.start()
                endpoint = etcd.endpoint
            # The API server alone: no scheduler or controller answers the
            # pods with writes (and events) of its own.
            server = Server(base / "server", endpoint, extra_args=API_ONLY)
            log(f"{backend}: starting server on port {server.port}")
            server.start()
            run(measure(server, etcd, args, fig, base / "client"))
        except Exception as e:
            log(f"{backend}: failed: {type(e).__name__}: {e}")
            if server is not None and server.log_path.exists():
                log(server.log_path.read_text()[-2000:])
        finally:
            # Each by its own PID; a no-op for one that has already exited.
            if server is not None:
                server.stop()
            if etcd is not None:
                etcd.stop()
    return fig


def run(coro: Coroutine[Any, Any, None]) -> None:
    """Run on uvloop (as the server does) when installed; SIGINT/SIGTERM cancel cleanly."""
    interrupted = False

    async def main() -> None:
        nonlocal interrupted
        loop = asyncio.get_running_loop()
        task = asyncio.current_task()
        assert task is not None
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, task.cancel)
        try:
            await coro
        except asyncio.CancelledError:
            interrupted = True
        finally:
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.remove_signal_handler(sig)

    try:
        import uvloop
    except ImportError:
        asyncio.run(main())
    else:
        uvloop.run(main())
    _install_signal_handlers()
    if interrupted:
        raise KeyboardInterrupt


def _terminate(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def _install_signal_handlers() -> None:
    """Outside the event loop, SIGINT and SIGTERM unwind through the finally blocks."""
    signal.signal(signal.SIGINT, _terminate)
    signal.signal(signal.SIGTERM, _terminate)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--backend", choices=["sqlite", "etcd", "both"], default="both")
    p.add_argument("--pods", type=int, default=10_000, help="pods that exist for LIST")
    p.add_argument("--watchers", type=int, default=100)
    p.add_argument("--creates", type=int, default=CREATES, help="creates per measurement")
    p.add_argument("--gets", type=int, default=GETS)
    p.add_argument("--watch-events", type=int, default=WATCH_EVENTS)
    args = p.parse_args()
    os.chdir(ROOT)
    _install_signal_handlers()
    backends = ["sqlite", "etcd"] if args.backend == "both" else [args.backend]
    results = []
    started = time.monotonic()
    try:
        for backend in backends:
            results.append(run_backend(backend, args))
    except KeyboardInterrupt:
        log("interrupted")
        return 130
    print_table(results, args.pods, args.watchers)
    print(f"total {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
