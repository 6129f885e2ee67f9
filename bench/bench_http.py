"""The HTTP path end to end: ``gridgov serve`` on a data folder built here, next to a bare
Django floor (``http_floor.py``: one view answering a body of the same size) under the same
server and thread count, both driven by one load client over loopback (``http_load.py``).

    .venv/bin/python bench/bench_http.py [--cases 20000] [--requests 200] [--rounds 3]
        [--concurrency 8] [--threads 8] [--data-dir /dev/shm/gb-http] [--only detail,home]
        [--serve-args "--workers 2"] [--floor-workers 1] [--json out.json] [--smoke]
    .venv/bin/python bench/bench_http.py --cases 1000000 --data-dir /dev/shm/gb-http-1m

Data: the demo district (``gridgov demo-build``: every role's account, rosters, cases walked
through the services), topped up with bulk-inserted cases to ``--cases`` (``http_data.py``).
Sign-in is real: a bearer token per role from ``POST /api/v1/auth/token`` for the JSON API,
a session cookie per role from the login form for the web pages, an Open311 client key.

Every row is sent ``--requests`` times from ``--concurrency`` keep-alive connections, 5 % of
them malformed (a broken body, or a NUL in the query string) and timed apart; rounds alternate
between gridgov and the floor (medians over ``--rounds``). Per row: throughput, p50/p95,
server CPU per request (user + system time of the server's process tree from /proc, over the
round, divided by its requests), and gridgov ÷ floor. Then the malformed requests alone (their
cost), the first requests after the server started against the steady p50, and the peak RSS
of each server's processes. ``--smoke`` runs a tiny build and a few requests per row.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shlex
import signal
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import http_data
from common import temporary_folder
from http_load import (
    Client,
    Req,
    RunResult,
    median,
    pct,
    peak_rss_mib,
    process_tree,
    run,
    wait_for_port,
)

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "Demo@2026"  # gridgov.demo.generator.DEMO_PASSWORD
ROLES = ["dispatcher", "leader", "community", "gridworker", "chengguan", "resident"]
BAD_SHARE = 20  # one request in 20 (5 %) is malformed


# --- servers ----------------------------------------------------------------------------------


class Server:
    def __init__(self, name: str, argv: list[str], env: dict[str, str], port: int) -> None:
        self.name, self.argv, self.env, self.port = name, argv, env, port
        self.proc: subprocess.Popen[bytes] | None = None
        self.listen_seconds = 0.0

    def start(self, log_dir: str) -> None:
        # The server's output goes to a file: a pipe nobody reads fills up (64 KB of request
        # warnings) and blocks the server's logging thread, and with it every request.
        with open(Path(log_dir) / f"bench_http_{self.name}.log", "ab") as log:
            self.proc = subprocess.Popen(
                self.argv,
                env=self.env,
                cwd=ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        proc = self.proc
        self.listen_seconds = wait_for_port(self.port, 300, lambda: proc.poll() is None)

    def pids(self) -> list[int]:
        return process_tree(self.proc.pid) if self.proc else []

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


# --- sign-in ----------------------------------------------------------------------------------


Send = Callable[[Req], tuple[int, bytes, list[tuple[str, str]]]]


def api_token(send: Send, role: str) -> str:
    body = json.dumps({"username": role, "password": PASSWORD, "name": "bench_http"}).encode()
    status, data, _h = send(
        Req("POST", "/api/v1/auth/token", body, (("Content-Type", "application/json"),))
    )
    if status != 201:
        raise RuntimeError(f"token for {role}: {status} {data[:200]!r}")
    token: str = json.loads(data)["token"]
    return token


def session_cookie(send: Send, role: str) -> str:
    """Sign in through the login form; returns the Cookie header (session + CSRF)."""
    status, data, headers = send(Req("GET", "/accounts/login/"))
    cookies = _set_cookies(headers)
    csrf = cookies.get("csrftoken", "")
    form = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": csrf, "login": role, "password": PASSWORD}
    ).encode()
    post_headers = (
        ("Content-Type", "application/x-www-form-urlencoded"),
        ("Cookie", f"csrftoken={csrf}"),
    )
    status, data, headers = send(Req("POST", "/accounts/login/", form, post_headers))
    cookies.update(_set_cookies(headers))
    if status != 302 or "sessionid" not in cookies:
        raise RuntimeError(f"login of {role}: {status} {data[:300]!r}")
    return "; ".join(f"{k}={v}" for k, v in cookies.items())


def _set_cookies(headers: list[tuple[str, str]]) -> dict[str, str]:
    out = {}
    for key, header in headers:
        if key.lower() != "set-cookie":
            continue
        name, _, rest = header.partition("=")
        out[name.strip()] = rest.split(";", 1)[0]
    return out


# --- rows -------------------------------------------------------------------------------------


@dataclass
class Row:
    name: str
    kind: str  # json | html: what the floor answers
    make: Callable[[int], Req]  # the i-th valid request
    bad: Callable[[int], Req]  # the i-th malformed one
    group: str = "read"


def _with_nul(req: Req) -> Req:
    sep = "&" if "?" in req.path else "?"
    return Req(req.method, req.path + sep + "q=%00", req.body, req.headers, bad=True)


def build_rows(meta: dict[str, Any], send: Send) -> list[Row]:
    """The rows, signed in through ``send`` (a keep-alive client, or the WSGI app in-process
    for the profiler)."""
    tokens = {r: api_token(send, r) for r in ("dispatcher", "gridworker")}
    cookies = {r: session_cookie(send, r) for r in ROLES}
    key = meta["open311_key"]
    ids = meta["case_ids"]
    points = meta["points"]
    service = meta["service_code"]
    rnd = random.Random(5)
    lang = ("Accept-Language", "zh-hans")

    def bearer(role: str) -> tuple[tuple[str, str], ...]:
        return (("Authorization", f"Bearer {tokens[role]}"), lang)

    def session(role: str) -> tuple[tuple[str, str], ...]:
        return (("Cookie", cookies[role]), lang)

    def get(path: str, headers: tuple[tuple[str, str], ...] = (lang,)) -> Callable[[int], Req]:
        return lambda i: Req("GET", path, None, headers)

    def get_id(fmt: str, headers: tuple[tuple[str, str], ...] = (lang,)) -> Callable[[int], Req]:
        return lambda i: Req("GET", fmt.format(ids[i % len(ids)]), None, headers)

    def api_report(i: int) -> Req:
        x, y = meta["worker_point"]  # a patrol report in the grid worker's own grid
        body = {
            "source": "patrol",
            "category": service,
            "title": f"井盖缺失 {i}",
            "description": "小区门口井盖缺失，存在安全隐患，请尽快处理。",
            "lon": x,
            "lat": y,
        }
        h = (*bearer("gridworker"), ("Content-Type", "application/json"))
        return Req("POST", "/api/v1/cases/report", json.dumps(body).encode(), h)

    def api_report_bad(i: int) -> Req:
        h = (*bearer("gridworker"), ("Content-Type", "application/json"))
        return Req("POST", "/api/v1/cases/report", b'{"category": "0101", "title": ', h, bad=True)

    def o311_form(i: int, *, broken: bool = False) -> Req:
        x, y = points[rnd.randrange(len(points))]
        fields = {
            "api_key": key,
            "service_code": service,
            "lat": "north" if broken else f"{y}",
            "long": f"{x}",
            "description": f"路灯不亮 {i}\n小区主干道路灯损坏，夜间出行不安全。",
        }
        h = (("Content-Type", "application/x-www-form-urlencoded"), lang)
        body = urllib.parse.urlencode(fields).encode()
        return Req("POST", "/open311/v2/requests.json", body, h, bad=broken)

    def nul(make: Callable[[int], Req]) -> Callable[[int], Req]:
        return lambda i: _with_nul(make(i))

    rows = [
        Row("POST /api/v1/cases/report", "json", api_report, api_report_bad, "write"),
        Row(
            "POST /open311/v2/requests.json",
            "json",
            o311_form,
            lambda i: o311_form(i, broken=True),
            "write",
        ),
    ]
    reads: list[tuple[str, str, Callable[[int], Req]]] = [
        ("GET /api/v1/cases/{id}", "json", get_id("/api/v1/cases/{}", bearer("dispatcher"))),
        ("GET /cases/{id}/ page", "html", get_id("/cases/{}/", session("dispatcher"))),
        ("GET /open311/v2/requests/{id}.json", "json", get_id("/open311/v2/requests/{}.json")),
        ("GET /api/v1/cases/ (list)", "json", get("/api/v1/cases/", bearer("dispatcher"))),
        ("GET /cases/list/ page", "html", get("/cases/list/", session("dispatcher"))),
        ("GET /api/v1/cases/queues", "json", get("/api/v1/cases/queues", bearer("dispatcher"))),
        ("GET /cases/ (queues page)", "html", get("/cases/", session("dispatcher"))),
        (
            "GET /api/v1/stats/indicators",
            "json",
            get("/api/v1/stats/indicators", bearer("dispatcher")),
        ),
        ("GET /open311/v2/services.json", "json", get("/open311/v2/services.json")),
        (
            "GET /open311/v2/requests.json?page_size=100",
            "json",
            get("/open311/v2/requests.json?page_size=100"),
        ),
        ("GET /open311/v2/requests.json (1 000)", "json", get("/open311/v2/requests.json")),
    ]
    reads += [(f"GET / home: {r}", "html", get("/", session(r))) for r in ROLES]
    reads.append(
        ("GET /rosters/residents/ page", "html", get("/rosters/residents/", session("community")))
    )
    rows += [Row(name, kind, make, nul(make)) for name, kind, make in reads]
    return rows


def floor_req(req: Req, size: int, kind: str, status: int) -> Req:
    path = f"/floor/{size}/{kind}/?status={status}"
    return Req(req.method, path, req.body, req.headers, bad=req.bad)


# --- running ----------------------------------------------------------------------------------


def mixed(row: Row, base: int) -> Callable[[int], Req]:
    """The row's requests, every :data:`BAD_SHARE`-th one malformed."""
    return lambda i: row.bad(base + i) if i % BAD_SHARE == BAD_SHARE - 1 else row.make(base + i)


@dataclass
class Measured:
    rounds: list[RunResult]

    def fig(self) -> dict[str, float]:
        rs = self.rounds
        return {
            "rps": median([r.throughput for r in rs]),
            "p50": median([pct(r.good, 0.5) * 1000 for r in rs]),
            "p95": median([pct(r.good, 0.95) * 1000 for r in rs]),
            "cpu": median([r.cpu / max(1, r.n) * 1000 for r in rs]),
            "bad_p50": median([pct(r.bad, 0.5) * 1000 for r in rs if r.bad]),
            "size": median([median([float(s) for s in r.sizes]) for r in rs if r.sizes]),
            "errors": float(sum(r.errors for r in rs)),
        }


def statuses(rs: list[RunResult]) -> str:
    total: dict[int, int] = {}
    for r in rs:
        for k, v in r.statuses.items():
            total[k] = total.get(k, 0) + v
    return ",".join(f"{k}×{v}" for k, v in sorted(total.items()))


def bench_rows(
    rows: list[Row], gg: Server, floor: Server, args: argparse.Namespace
) -> list[dict[str, Any]]:
    out = []
    sent = 0
    for row in rows:
        # warm-up (untimed): a few of each kind, on both servers
        warm = run(gg.port, mixed(row, sent), max(args.concurrency, 4), args.concurrency)
        sent += warm.n
        size = int(median([float(s) for s in warm.sizes]) if warm.sizes else 100)
        status = warm.statuses.most_common(1)[0][0] if warm.statuses else 200

        def floor_make(i: int, row: Row = row, size: int = size, status: int = status) -> Req:
            req = mixed(row, 0)(i)
            return floor_req(req, size, row.kind, 400 if req.bad else status)

        run(floor.port, floor_make, max(args.concurrency, 4), args.concurrency)
        g_rounds: list[RunResult] = []
        f_rounds: list[RunResult] = []
        for k in range(args.rounds):
            order = [("g", gg), ("f", floor)] if k % 2 == 0 else [("f", floor), ("g", gg)]
            for tag, _server in order:
                if tag == "g":
                    r = run(
                        gg.port,
                        mixed(row, sent),
                        args.requests,
                        args.concurrency,
                        gg.pids,
                        max_seconds=args.max_seconds,
                    )
                    sent += args.requests
                    g_rounds.append(r)
                else:
                    r = run(floor.port, floor_make, args.requests, args.concurrency, floor.pids)
                    f_rounds.append(r)
        g, f = Measured(g_rounds).fig(), Measured(f_rounds).fig()
        result = {
            "row": row.name,
            "group": row.group,
            "gridgov": g,
            "floor": f,
            "statuses": statuses(g_rounds),
            "size": size,
        }
        out.append(result)
        print(line(result), flush=True)
    return out


def bench_bad(rows: list[Row], gg: Server, args: argparse.Namespace) -> list[dict[str, Any]]:
    """Malformed requests alone (their CPU cost), next to the same row's valid requests."""
    picks = [r for r in rows if r.group == "write"] + [
        r for r in rows if r.name.startswith("GET /api/v1/cases/{id}")
    ]
    out = []
    for row in picks:
        good, bad = [], []
        for _ in range(args.rounds):
            bad.append(run(gg.port, row.bad, args.requests // 2, args.concurrency, gg.pids))
            good.append(run(gg.port, row.make, args.requests // 2, args.concurrency, gg.pids))
        for rs in (good, bad):  # run() files malformed ones under .bad
            for r in rs:
                if r.bad:
                    r.good, r.statuses = r.bad, r.bad_statuses
        res = {
            "row": row.name,
            "valid": Measured(good).fig(),
            "bad": Measured(bad).fig(),
            "bad_statuses": statuses(bad),
        }
        out.append(res)
        v, b = res["valid"], res["bad"]
        print(
            f"  malformed {row.name}: p50 {b['p50']:.1f} ms, CPU {b['cpu']:.2f} ms/req "
            f"({res['bad_statuses']}) — valid p50 {v['p50']:.1f} ms, CPU {v['cpu']:.2f}",
            flush=True,
        )
    return out


def line(r: dict[str, Any]) -> str:
    g, f = r["gridgov"], r["floor"]
    return (
        f"{r['row']:<46} {g['rps']:7.1f}/s p50 {g['p50']:7.1f} p95 {g['p95']:7.1f} "
        f"cpu {g['cpu']:6.2f} | floor {f['rps']:7.1f}/s p50 {f['p50']:5.1f} cpu {f['cpu']:5.2f}"
        f" | ÷ p50 {g['p50'] / f['p50']:5.1f}× cpu {g['cpu'] / max(f['cpu'], 0.01):5.1f}×"
        f"  [{r['statuses']}; {r['size']:,} B; bad p50 {g['bad_p50']:.1f}]"
    )


def table(results: list[dict[str, Any]]) -> str:
    head = (
        "| request | gridgov req/s | p50 ms | p95 ms | CPU ms/req | floor req/s | floor p50 | "
        "floor CPU | p50 ÷ floor | CPU ÷ floor | body | malformed p50 |\n"
        "|---|---|---|---|---|---|---|---|---|---|---|---|\n"
    )
    body = ""
    for r in results:
        g, f = r["gridgov"], r["floor"]
        body += (
            f"| {r['row']} | {g['rps']:.0f} | {g['p50']:.1f} | {g['p95']:.1f} | {g['cpu']:.1f} | "
            f"{f['rps']:.0f} | {f['p50']:.1f} | {f['cpu']:.2f} | {g['p50'] / f['p50']:.1f}× | "
            f"{g['cpu'] / max(f['cpu'], 0.01):.0f}× | {r['size']:,} B | {g['bad_p50']:.1f} |\n"
        )
    return head + body


def first_requests(gg: Server, meta: dict[str, Any]) -> dict[str, float]:
    """Right after the server listens: one case detail (Open311, no sign-in) and one
    Open311 report, each the first of its kind; ms."""
    client = Client(gg.port)
    out: dict[str, float] = {"listen_s": gg.listen_seconds}
    start = time.perf_counter()
    client.send(Req("GET", f"/open311/v2/requests/{meta['case_ids'][0]}.json"))
    out["first GET /open311/v2/requests/{id}.json"] = (time.perf_counter() - start) * 1000
    x, y = meta["points"][0]
    body = urllib.parse.urlencode(
        {
            "api_key": meta["open311_key"],
            "service_code": meta["service_code"],
            "lat": y,
            "long": x,
            "description": "first report after start",
        }
    ).encode()
    start = time.perf_counter()
    status, data, _r = client.send(
        Req(
            "POST",
            "/open311/v2/requests.json",
            body,
            (("Content-Type", "application/x-www-form-urlencoded"),),
        )
    )
    out["first POST /open311/v2/requests.json"] = (time.perf_counter() - start) * 1000
    client.close()
    if status != 201:
        print(f"  first POST answered {status}: {data[:200]!r}", file=sys.stderr)
    return out


def context() -> dict[str, Any]:
    load = os.getloadavg()
    cpu = ""
    for text in Path("/proc/cpuinfo").read_text().splitlines():
        if text.startswith("model name"):
            cpu = text.split(":", 1)[1].strip()
            break
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "loadavg": [round(x, 2) for x in load],
        "utc": time.strftime("%Y-%m-%d %H:%M", time.gmtime()),
    }


def parse(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--cases", type=int, default=20_000)
    p.add_argument("--grids", type=int, default=80, help="demo grids (80)")
    p.add_argument("--requests", type=int, default=200, help="requests per row and round")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument(
        "--max-seconds",
        type=float,
        default=30.0,
        help="a gridgov round starts no new request after this (once 40 were sent); 0: none",
    )
    p.add_argument("--concurrency", type=int, default=8)
    p.add_argument("--threads", type=int, default=8, help="server threads (both servers)")
    p.add_argument("--port", type=int, default=8127)
    p.add_argument("--floor-port", type=int, default=8227)
    p.add_argument("--floor-workers", type=int, default=1, help=">1: gunicorn gthread workers")
    p.add_argument("--serve-args", default="", help="more arguments for gridgov serve")
    p.add_argument("--data-dir", default="", help="keep the data here and reuse it next time")
    p.add_argument("--only", default="", help="comma-separated parts of row names to run")
    p.add_argument("--json", default="", help="write the results here")
    p.add_argument("--smoke", action="store_true", help="tiny data, a few requests per row")
    args = p.parse_args(argv)
    if args.smoke:
        args.cases, args.grids = min(args.cases, 300), min(args.grids, 3)
        args.requests, args.rounds, args.concurrency = 8, 1, 2
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    data_dir = os.path.abspath(args.data_dir) if args.data_dir else temporary_folder("gg-http-")
    Path(data_dir).mkdir(parents=True, exist_ok=True)
    meta = http_data.build(data_dir, cases=args.cases, grids=args.grids)
    env = http_data.server_env(data_dir)
    gg = Server(
        "gridgov",
        [
            sys.executable,
            "-m",
            "gridgov.cli",
            "serve",
            "--port",
            str(args.port),
            "--threads",
            str(args.threads),
            "--no-worker",
            *shlex.split(args.serve_args),
        ],
        env,
        args.port,
    )
    floor = Server(
        "floor",
        [
            sys.executable,
            str(ROOT / "bench" / "http_floor.py"),
            "--port",
            str(args.floor_port),
            "--threads",
            str(args.threads),
            "--workers",
            str(args.floor_workers),
        ],
        env,
        args.floor_port,
    )
    ctx = context()
    print(f"machine: {ctx}", flush=True)

    def on_term(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt  # stop both servers on the way out

    signal.signal(signal.SIGTERM, on_term)
    try:
        gg.start(data_dir)
        first = first_requests(gg, meta)
        print(f"gridgov listened after {gg.listen_seconds:.1f} s; first requests: {first}")
        floor.start(data_dir)
        rows = build_rows(meta, Client(args.port).send)
        if args.only:
            wanted = [w.strip() for w in args.only.split(",") if w.strip()]
            rows = [r for r in rows if any(w in r.name for w in wanted)]
        results = bench_rows(rows, gg, floor, args)
        bad = bench_bad(rows, gg, args)
        rss = {"gridgov": peak_rss_mib(gg.pids()), "floor": peak_rss_mib(floor.pids())}
    finally:
        gg.stop()
        floor.stop()
        ctx["loadavg_after"] = [round(x, 2) for x in os.getloadavg()]
    print()
    print(table(results))
    print(
        f"peak RSS MiB: {rss}; load average before {ctx['loadavg']}, after {ctx['loadavg_after']}"
    )
    if args.json:
        Path(args.json).write_text(
            json.dumps(
                {
                    "context": ctx,
                    "args": vars(args),
                    "meta_cases": meta["cases"],
                    "first": first,
                    "rows": results,
                    "malformed": bad,
                    "rss": rss,
                },
                indent=1,
                ensure_ascii=False,
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
