"""The command centre's live stream under load: ``gridgov serve`` (with its live process) on a
data folder built here, ``--clients`` SSE clients connected to ``/command/live/stream``, cases
reported through the API at ``--rate`` per second for ``--seconds``, and one client that
never reads.

    .venv/bin/python bench/bench_live.py [--clients 200] [--rate 50] [--seconds 30]
        [--workers 2] [--data-dir /dev/shm/gb-live] [--json out.json] [--smoke]

Data: the demo district's areas and accounts (``gridgov demo-build --grids 2 --areas-only``).
Clients: one asyncio loop holding every connection (HTTP/1.0, so the body is the raw event
stream), signed in with the demo dispatcher's API token. Injection: threads with keep-alive
connections posting ``/api/v1/cases/report`` as the demo grid worker, paced to ``--rate``.

Delivery delay: for every ``report`` event a client receives, receipt time minus the event's
``at`` (the timeline entry's time, written in the reporting transaction; same machine, same
clock) — p50/p95/max over all clients and events. Dropped: clients whose stream ended or never
opened before the end. Server CPU (user + system, from /proc) of the live process and of the
web processes over the injection window, and their peak RSS. The silent client: does the
server close it while the others go on? ``--smoke`` runs a tiny version (the test suite's
check that the script works).
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import os
import platform
import shlex
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import temporary_folder
from http_load import cpu_seconds, peak_rss_mib, process_tree, wait_for_port

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "Demo@2026"  # gridgov.demo.generator.DEMO_PASSWORD
GRID1 = (106.1897, 38.50515)  # inside 凤鸣社区第一网格, the demo grid worker's grid


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def gridgov(env: dict[str, str], *args: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "gridgov.cli", *args],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
        timeout=1800,
    )


def token(port: int, user: str) -> str:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    body = json.dumps({"username": user, "password": PASSWORD, "name": "bench_live"})
    conn.request("POST", "/api/v1/auth/token", body, {"Content-Type": "application/json"})
    answer = conn.getresponse()
    data = json.loads(answer.read())
    conn.close()
    if answer.status != 201:
        raise SystemExit(f"sign-in of {user} failed: {answer.status} {data}")
    return str(data["token"])


# --- the SSE clients ---------------------------------------------------------------------------


@dataclass
class Client:
    status: int = 0
    open: bool = False
    ended_early: bool = False
    delays: list[float] = field(default_factory=list)
    events: int = 0


async def sse_client(port: int, tok: str, client: Client, stop: asyncio.Event) -> None:
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
    except OSError:
        client.ended_early = True
        return
    writer.write(
        f"GET /command/live/stream HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\n"
        f"Authorization: Bearer {tok}\r\nAccept: text/event-stream\r\n\r\n".encode()
    )
    await writer.drain()
    try:
        status_line = await reader.readline()
        parts = status_line.split()
        client.status = int(parts[1]) if len(parts) > 1 else 0
        while (await reader.readline()) not in (b"\r\n", b"\n", b""):
            pass
        if client.status != 200:
            client.ended_early = True
            return
        client.open = True
        event = ""
        read = asyncio.ensure_future(reader.readline())
        halt = asyncio.ensure_future(stop.wait())
        while True:
            done, _ = await asyncio.wait({read, halt}, return_when=asyncio.FIRST_COMPLETED)
            if halt in done:
                read.cancel()
                return
            line = read.result()
            if not line:
                client.ended_early = not stop.is_set()
                halt.cancel()
                return
            read = asyncio.ensure_future(reader.readline())
            if line.startswith(b"event: "):
                event = line[7:].strip().decode()
            elif line.startswith(b"data: ") and event == "live":
                now = time.time()
                for e in json.loads(line[6:])["events"]:
                    client.events += 1
                    if e["action"] == "report":
                        at = datetime.fromisoformat(e["at"]).timestamp()
                        client.delays.append(now - at)
    except (OSError, ValueError, asyncio.IncompleteReadError):
        client.ended_early = not stop.is_set()
    finally:
        writer.close()


async def run_clients(
    port: int,
    tok: str,
    n: int,
    ready: threading.Event,
    start: threading.Event,
    finished: threading.Event,
) -> list[Client]:
    clients = [Client() for _ in range(n)]
    stop = asyncio.Event()
    tasks = []
    for c in clients:
        tasks.append(asyncio.ensure_future(sse_client(port, tok, c, stop)))
        await asyncio.sleep(0.005)  # a wall of screens switched on, not one SYN flood
    deadline = time.monotonic() + 60
    while sum(c.open for c in clients) < n and time.monotonic() < deadline:
        if sum(c.ended_early for c in clients) + sum(c.open for c in clients) >= n:
            break
        await asyncio.sleep(0.1)
    ready.set()
    while not start.is_set():
        await asyncio.sleep(0.05)
    while not finished.is_set():  # the injection
        await asyncio.sleep(0.1)
    await asyncio.sleep(5)  # the last batches' way
    stop.set()
    await asyncio.gather(*tasks, return_exceptions=True)
    return clients


# --- injection ---------------------------------------------------------------------------------


def inject(port: int, tok: str, rate: float, seconds: float, threads: int) -> dict[str, Any]:
    done: list[float] = []
    failed: list[int] = []
    lock = threading.Lock()
    start = time.monotonic()
    total = int(rate * seconds)
    counter = iter(range(total))

    def worker() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        headers = {"Authorization": f"Bearer {tok}", "Content-Type": "application/json"}
        while True:
            with lock:
                i = next(counter, None)
            if i is None:
                break
            due = start + i / rate
            wait = due - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            body = {
                "source": "patrol",
                "category": "0101",
                "title": f"井盖缺失 {i}",
                "description": "小区门口井盖缺失，请尽快处理。",
                "lon": GRID1[0] + (i % 7) * 0.00001,
                "lat": GRID1[1],
            }
            try:
                conn.request("POST", "/api/v1/cases/report", json.dumps(body), headers)
                answer = conn.getresponse()
                answer.read()
                ok = answer.status in (200, 201)
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                ok = False
            with lock:
                (done if ok else failed).append(time.monotonic() - start)
        conn.close()

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    elapsed = time.monotonic() - start
    return {"reported": len(done), "failed": len(failed), "seconds": elapsed}


# --- the whole run -----------------------------------------------------------------------------


def parse(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--clients", type=int, default=200)
    p.add_argument("--rate", type=float, default=50.0, help="cases reported per second")
    p.add_argument("--seconds", type=float, default=30.0)
    p.add_argument("--injectors", type=int, default=8, help="reporting threads")
    p.add_argument("--workers", type=int, default=2, help="web processes of gridgov serve")
    p.add_argument("--port", type=int, default=8134)
    p.add_argument("--live-port", type=int, default=8144)
    p.add_argument("--serve-args", default="", help="more arguments for gridgov serve")
    p.add_argument("--data-dir", default="", help="keep the data here and reuse it next time")
    p.add_argument("--json", default="", help="write the results here")
    p.add_argument("--smoke", action="store_true", help="5 clients, 5 cases/s for 4 s")
    args = p.parse_args(argv)
    if args.smoke:
        args.clients, args.rate, args.seconds, args.injectors = 5, 5.0, 4.0, 2
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    data = args.data_dir or temporary_folder("gridgov-bench-live-")
    Path(data).mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if k != "GRIDGOV_DATA_DIR"}
    env.update(
        GRIDGOV_DATA_DIR=data,
        DJANGO_SETTINGS_MODULE="gridgov.settings",
        PYTHONPATH=os.pathsep.join(p for p in (str(ROOT / "src"), env.get("PYTHONPATH")) if p),
        GRIDGOV_LIVE_MAX_STREAMS=str(max(250, args.clients + 20)),
    )
    built = time.monotonic()
    if not (Path(data) / "gridgov.sqlite3").exists() or os.environ.get("DATABASE_URL"):
        gridgov(env, "migrate", "--verbosity", "0")
        gridgov(env, "demo-build", "--grids", "2", "--areas-only")
    print(f"data ready in {time.monotonic() - built:.0f} s ({data})", flush=True)
    log = open(Path(data) / "bench-serve.log", "ab")  # noqa: SIM115
    serve = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gridgov.cli",
            "serve",
            "--no-migrate",
            "--no-worker",
            "--workers",
            str(args.workers),
            "--port",
            str(args.port),
            "--live-port",
            str(args.live_port),
            *shlex.split(args.serve_args),
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        wait_for_port(args.port, 300, lambda: serve.poll() is None)
        wait_for_port(args.live_port, 300, lambda: serve.poll() is None)
        result = bench(args, serve.pid)
    finally:
        os.killpg(serve.pid, signal.SIGTERM)
        try:
            serve.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(serve.pid, signal.SIGKILL)
        log.close()
    print(report(result))
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2))
    return 0


def _live_pids(root: int) -> tuple[list[int], list[int]]:
    """(the live process and its children, every other process of serve)."""
    tree = process_tree(root)
    live_roots = []
    for pid in tree:
        try:
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"live-serve" in cmd:
            live_roots.append(pid)
    live = sorted({p for r in live_roots for p in process_tree(r)})
    return live, [p for p in tree if p not in live]


def bench(args: argparse.Namespace, serve_pid: int) -> dict[str, Any]:
    streamer = token(args.port, "dispatcher")
    reporter = token(args.port, "gridworker")
    ready, start, finished = threading.Event(), threading.Event(), threading.Event()
    box: dict[str, Any] = {}

    def loop() -> None:
        box["clients"] = asyncio.run(
            run_clients(args.live_port, streamer, args.clients, ready, start, finished)
        )

    client_thread = threading.Thread(target=loop)
    client_thread.start()
    ready.wait(120)
    # The client that never reads: a tiny receive buffer, the request, then nothing.
    silent = socket.socket()
    silent.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    silent.connect(("127.0.0.1", args.live_port))
    silent.sendall(
        f"GET /command/live/stream HTTP/1.0\r\nHost: 127.0.0.1\r\n"
        f"Authorization: Bearer {streamer}\r\n\r\n".encode()
    )
    live_pids, web_pids = _live_pids(serve_pid)
    cpu0 = (cpu_seconds(live_pids), cpu_seconds(web_pids))
    start.set()
    injected = inject(args.port, reporter, args.rate, args.seconds, args.injectors)
    cpu1 = (cpu_seconds(live_pids), cpu_seconds(web_pids))
    finished.set()
    client_thread.join()
    clients: list[Client] = box["clients"]
    # Was the silent client cut off? Its socket then reads to its end at once.
    silent.settimeout(5)
    closed = False
    try:
        while True:
            if not silent.recv(1 << 16):
                closed = True
                break
    except (TimeoutError, OSError):
        closed = False
    silent.close()
    delays = [d for c in clients for d in c.delays]
    expected = injected["reported"] * sum(c.open for c in clients)
    return {
        "context": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "clients": args.clients,
            "rate": args.rate,
            "seconds": args.seconds,
            "web_workers": args.workers,
        },
        "injected": injected,
        "opened": sum(c.open for c in clients),
        "refused": sum(1 for c in clients if c.status not in (0, 200)),
        "dropped": sum(c.ended_early for c in clients),
        "received": len(delays),
        "expected": expected,
        "delay_s": {
            "p50": pct(delays, 0.50),
            "p95": pct(delays, 0.95),
            "max": max(delays) if delays else float("nan"),
        },
        "cpu_s": {"live": cpu1[0] - cpu0[0], "web": cpu1[1] - cpu0[1]},
        "rss_mib": {"live": sum(peak_rss_mib(live_pids)), "web": sum(peak_rss_mib(web_pids))},
        "silent_client_closed": closed,
    }


def report(r: dict[str, Any]) -> str:
    inj, d = r["injected"], r["delay_s"]
    rate = inj["reported"] / inj["seconds"] if inj["seconds"] else 0
    return "\n".join(
        [
            "| measure | value |",
            "|---|---|",
            f"| clients connected | {r['opened']} of {r['context']['clients']} |",
            f"| cases reported (API) | {inj['reported']} in {inj['seconds']:.1f} s "
            f"({rate:.1f}/s), {inj['failed']} failed |",
            f"| report events received | {r['received']} of {r['expected']} expected |",
            f"| delivery delay p50 / p95 / max | {d['p50']:.2f} s / {d['p95']:.2f} s / "
            f"{d['max']:.2f} s |",
            f"| dropped connections | {r['dropped']} (refused: {r['refused']}) |",
            f"| CPU over the run: live process / web processes | {r['cpu_s']['live']:.1f} s / "
            f"{r['cpu_s']['web']:.1f} s |",
            f"| peak RSS: live process / web processes | {r['rss_mib']['live']:.0f} MiB / "
            f"{r['rss_mib']['web']:.0f} MiB |",
            f"| the client that never reads | "
            f"{'closed by the server' if r['silent_client_closed'] else 'still open'} |",
        ]
    )


if __name__ == "__main__":
    sys.exit(main())
