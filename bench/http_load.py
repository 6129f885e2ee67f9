"""The load client of ``bench_http.py`` and what it reads from /proc.

One threaded client over ``http.client``: every thread keeps its own keep-alive connection
(HTTP/1.1) and takes the next request index from a shared counter until ``n`` requests are
done; each answer is read to its end. Latencies are wall-clock per request (send to last
byte). Server cost is read from ``/proc/<pid>/stat`` (user + system CPU time of the server
process and all its descendants) before and after a run; peak memory from ``VmHWM`` in
``/proc/<pid>/status``. Linux only.
"""

from __future__ import annotations

import http.client
import os
import socket
import statistics
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


@dataclass(frozen=True)
class Req:
    method: str
    path: str
    body: bytes | None = None
    headers: tuple[tuple[str, str], ...] = ()
    bad: bool = False  # a malformed request of the mix


@dataclass
class RunResult:
    good: list[float] = field(default_factory=list)  # seconds
    bad: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    bad_statuses: Counter[int] = field(default_factory=Counter)
    sizes: list[int] = field(default_factory=list)  # body bytes of the valid answers
    bad_sizes: list[int] = field(default_factory=list)
    elapsed: float = 0.0
    cpu: float = 0.0  # server CPU seconds over the run
    errors: int = 0  # connection failures

    @property
    def n(self) -> int:
        return len(self.good) + len(self.bad)

    @property
    def throughput(self) -> float:
        return self.n / self.elapsed if self.elapsed else 0.0


def pct(samples: list[float], q: float) -> float:
    """The ``q`` quantile (nearest rank) of ``samples``; NaN when empty."""
    if not samples:
        return float("nan")
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


# --- /proc ------------------------------------------------------------------------------------


def _stat_fields(pid: int) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # the command name may hold spaces: fields start after the last ')'
    return text[text.rindex(")") + 2 :].split()


def process_tree(root: int) -> list[int]:
    """``root`` and all its living descendants (worker processes of a server)."""
    parents: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        fields = _stat_fields(int(entry))
        if fields:
            parents.setdefault(int(fields[1]), []).append(int(entry))
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(parents.get(pid, []))
    return out


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of ``pids`` (utime, stime: fields 14 and 15 of stat)."""
    total = 0
    for pid in pids:
        fields = _stat_fields(pid)
        if fields:
            total += int(fields[11]) + int(fields[12])
    return total / TICK


def peak_rss_mib(pids: list[int]) -> list[float]:
    """``VmHWM`` (peak resident set) of each process, MiB."""
    out = []
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    out.append(int(line.split()[1]) / 1024)
        except OSError:
            continue
    return out


def wait_for_port(port: int, timeout: float, alive: Callable[[], bool]) -> float:
    """Seconds until ``127.0.0.1:port`` accepts a connection."""
    start = time.perf_counter()
    while time.perf_counter() - start < timeout:
        if not alive():
            raise RuntimeError(f"the server for port {port} exited before it listened")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return time.perf_counter() - start
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on port {port} after {timeout:.0f} s")


# --- the client -------------------------------------------------------------------------------


class Client:
    """One keep-alive connection; reconnects when the server closed it."""

    def __init__(self, port: int, timeout: float = 120.0) -> None:
        self.port = port
        self.timeout = timeout
        self.conn: http.client.HTTPConnection | None = None

    def send(self, req: Req) -> tuple[int, bytes, list[tuple[str, str]]]:
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
            try:
                headers = dict(req.headers)
                if req.body is not None:
                    headers.setdefault("Content-Length", str(len(req.body)))
                self.conn.request(req.method, req.path, body=req.body, headers=headers)
                resp = self.conn.getresponse()
                data = resp.read()
                if resp.will_close:
                    self.close()
                return resp.status, data, resp.getheaders()
            except (http.client.HTTPException, OSError):
                self.close()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def run(
    port: int,
    make: Callable[[int], Req],
    n: int,
    concurrency: int,
    cpu_pids: Callable[[], list[int]] | None = None,
    *,
    max_seconds: float = 0.0,
    min_n: int = 40,
) -> RunResult:
    """Send ``make(0) … make(n-1)`` from ``concurrency`` threads; the server's CPU time over
    the run from ``cpu_pids()`` (read before and after). With ``max_seconds``, no new request
    starts after that time once ``min_n`` were started (slow rows on a busy machine)."""
    result = RunResult()
    lock = threading.Lock()
    counter = iter(range(n))
    started = [0]
    deadline = [0.0]

    def worker() -> None:
        client = Client(port)
        try:
            while True:
                with lock:
                    late = max_seconds and started[0] >= min_n and time.perf_counter() > deadline[0]
                    i = None if late else next(counter, None)
                    started[0] += 1
                if i is None:
                    return
                req = make(i)
                start = time.perf_counter()
                try:
                    status, data, _resp = client.send(req)
                except (http.client.HTTPException, OSError):
                    with lock:
                        result.errors += 1
                    continue
                took = time.perf_counter() - start
                with lock:
                    if req.bad:
                        result.bad.append(took)
                        result.bad_statuses[status] += 1
                        result.bad_sizes.append(len(data))
                    else:
                        result.good.append(took)
                        result.statuses[status] += 1
                        result.sizes.append(len(data))
        finally:
            client.close()

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(concurrency)]
    pids = cpu_pids() if cpu_pids else []
    cpu0 = cpu_seconds(pids)
    start = time.perf_counter()
    deadline[0] = start + max_seconds
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    result.elapsed = time.perf_counter() - start
    result.cpu = cpu_seconds(pids) - cpu0 if pids else 0.0
    return result
