"""Where the time of a request goes: the rows of ``bench_http.py`` sent in-process to gridgov's
WSGI application (``gridgov.wsgi.application``: every middleware, the view, the response),
one after another under cProfile, on a data folder ``bench_http.py --data-dir`` built.

    .venv/bin/python bench/profile_http.py --data-dir /dev/shm/hb-http-20k \\
        [--only "cases/{id},home: dispatcher"] [--requests 60] [--top 25] [--out prof.txt]
        [--dump /tmp/prof]

Sign-in is real (the same token and login-form requests as the benchmark). Each row gets a
few unprofiled requests first, then ``--requests`` profiled ones. For each row it prints the
wall time per request without and with the profiler; the profiled time split by layer (own
time of SQLite, the ORM building SQL, templates, ninja/pydantic, translation, middleware …);
gridgov's functions by cumulative share (time in the function and below it, as a share of the
row's total; the middleware chain, which holds everything, left out); all functions below the
view by cumulative share; and all functions by own share — each as ``file:line(function)``.
``--dump`` keeps each row's profile for ``python -m pstats``.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import sys
import time
import urllib.parse
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import http_data
from bench_http import build_rows
from http_load import Req

ROOT = Path(__file__).resolve().parent.parent


class InProcess:
    """``send(req)`` through the WSGI application, as waitress would call it."""

    def __init__(self, app: Any) -> None:
        self.app = app

    def send(self, req: Req) -> tuple[int, bytes, list[tuple[str, str]]]:
        path, _, query = req.path.partition("?")
        body = req.body or b""
        environ: dict[str, Any] = {
            "REQUEST_METHOD": req.method,
            "PATH_INFO": urllib.parse.unquote(path),
            "QUERY_STRING": query,
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "8127",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1",
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(body),
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": True,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
            "wsgi.version": (1, 0),
            "HTTP_HOST": "127.0.0.1:8127",
            "CONTENT_LENGTH": str(len(body)),
        }
        for name, value in req.headers:
            key = name.upper().replace("-", "_")
            if key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
                environ[key] = value
            else:
                environ["HTTP_" + key] = value
        got: dict[str, Any] = {}

        def start_response(status: str, headers: list[tuple[str, str]], exc: Any = None) -> Any:
            got["status"], got["headers"] = int(status.split()[0]), headers
            return lambda data: None

        result = self.app(environ, start_response)
        try:
            data = b"".join(result)
        finally:
            close = getattr(result, "close", None)
            if close:
                close()
        return got["status"], data, got["headers"]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data-dir", required=True, help="a folder bench_http.py --data-dir built")
    p.add_argument("--only", default="", help="comma-separated parts of row names")
    p.add_argument("--requests", type=int, default=60)
    p.add_argument("--top", type=int, default=25)
    p.add_argument("--out", default="", help="also write the report here")
    p.add_argument("--dump", default="", help="a folder for each row's .prof file (pstats)")
    args = p.parse_args(argv)
    data_dir = os.path.abspath(args.data_dir)
    meta = http_data.load_meta(data_dir)
    if meta is None:
        raise SystemExit(f"no bench_http data in {data_dir}; run bench_http.py --data-dir first")
    os.environ.update(http_data.server_env(data_dir))
    import django

    django.setup()
    from django.conf import settings

    Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)
    from gridgov.wsgi import application

    client = InProcess(application)
    rows = build_rows(meta, client.send)
    if args.only:
        wanted = [w.strip() for w in args.only.split(",") if w.strip()]
        rows = [r for r in rows if any(w in r.name for w in wanted)]
    report = io.StringIO()
    for row in rows:
        for i in range(5):
            client.send(row.make(900_000 + i))
        start = time.perf_counter()
        for i in range(args.requests):
            client.send(row.make(800_000 + i))
        plain = (time.perf_counter() - start) / args.requests * 1000
        prof = cProfile.Profile()
        start = time.perf_counter()
        prof.enable()
        for i in range(args.requests):
            client.send(row.make(700_000 + i))
        prof.disable()
        profiled = (time.perf_counter() - start) / args.requests * 1000
        stats = pstats.Stats(prof)
        if args.dump:
            Path(args.dump).mkdir(parents=True, exist_ok=True)
            slug = "".join(c if c.isalnum() else "_" for c in row.name).strip("_")
            stats.dump_stats(str(Path(args.dump) / f"{slug}.prof"))
        total = max(stats.total_tt, 1e-9)  # type: ignore[attr-defined]
        print(f"\n## {row.name}\n", file=report)
        print(
            f"{plain:.1f} ms per request in-process ({profiled:.1f} ms under the profiler), "
            f"{args.requests} requests\n",
            file=report,
        )
        entries = stats.stats  # type: ignore[attr-defined]
        print("own time by layer:", file=report)
        layers: dict[str, float] = {}
        for (filename, _line, func), values in entries.items():
            layer = _layer(_short(filename), func)
            layers[layer] = layers.get(layer, 0.0) + values[2]
        for layer, secs in sorted(layers.items(), key=lambda kv: kv[1], reverse=True):
            print(f"  {secs / total * 100:5.1f} %  {layer}", file=report)
        print(
            "\ngridgov functions by cumulative share (the middleware chain left out):", file=report
        )
        _ranked(report, entries, total, 3, args.top, lambda w: _is_gridgov(w))
        print("\nall functions by cumulative share, below the view:", file=report)
        _ranked(report, entries, total, 3, args.top, _below_view)
        print("\nall functions by own share:", file=report)
        _ranked(report, entries, total, 2, args.top, lambda w: True)
        print(file=report)
        print(f"  {row.name}: {plain:.1f} ms", flush=True)
    text = report.getvalue()
    print(text)
    if args.out:
        Path(args.out).write_text(text)
    return 0


def _short(filename: str) -> str:
    for marker in ("/src/", "/site-packages/", "/lib/python3."):
        if marker in filename:
            rest = filename.split(marker, 1)[1]
            return rest.split("/", 1)[1] if marker == "/lib/python3." else rest
    return filename


WRAPPERS = (
    "gridgov/core/middleware.py",
    "gridgov/core/edge.py:200",
    "gridgov/core/health.py:145",
    "gridgov/accounts/middleware.py:23",
    "gridgov/core/views.py:43",
    "gridgov/open311/views.py:59",
)


def _is_gridgov(where: str) -> bool:
    return where.startswith("gridgov/") and not where.startswith(WRAPPERS)


def _below_view(where: str) -> bool:
    """Leave out the handler, the middleware chain and the view decorators (they hold
    everything) and the profiler's own frames."""
    if where.startswith(("~", "/")) or "{" in where:
        return False
    return not where.startswith(
        (
            "django/core/handlers/",
            "django/utils/deprecation.py",
            "whitenoise/middleware.py",
            "django/views/decorators/",
            "django/contrib/auth/decorators.py",
            "ninja/operation.py",
            *WRAPPERS,
        )
    )


def _ranked(
    out: Any, entries: dict[Any, Any], total: float, index: int, top: int, keep: Any
) -> None:
    shown = 0
    for (filename, line, func), values in sorted(
        entries.items(), key=lambda kv: kv[1][index], reverse=True
    ):
        where = _short(filename)
        if not keep(f"{where}:{line}"):
            continue
        print(f"  {values[index] / total * 100:5.1f} %  {where}:{line}({func})", file=out)
        shown += 1
        if shown >= top:
            return


def _layer(where: str, func: str) -> str:
    """Which layer a function's own time belongs to."""
    if where.startswith("~"):
        if "sqlite3" in func or "fetchmany" in func or "fetchone" in func:
            return "SQLite driver (execute, fetch)"
        return "builtins (getattr, isinstance, str, dict …) called from anywhere"
    rules = [
        ("django/db/backends/", "ORM: database backend, value converters"),
        ("django/db/models/sql/", "ORM: building SQL (compiler, query, where)"),
        ("django/db/models/expressions.py", "ORM: building SQL (compiler, query, where)"),
        ("django/db/models/lookups.py", "ORM: building SQL (compiler, query, where)"),
        ("django/db/models/query_utils.py", "ORM: building SQL (compiler, query, where)"),
        ("django/db/models/query.py", "ORM: querysets, clone, rows → objects"),
        ("django/db/models/base.py", "ORM: querysets, clone, rows → objects"),
        ("django/db/models/fields", "ORM: fields, related descriptors"),
        ("django/db/", "ORM: other"),
        ("django/template/", "templates (Django engine)"),
        ("django/templatetags/", "templates (Django engine)"),
        ("ninja/", "ninja + pydantic (parsing, serialisation)"),
        ("pydantic", "ninja + pydantic (parsing, serialisation)"),
        ("django/utils/translation/", "translation (gettext, activate)"),
        ("django/contrib/sessions/", "sessions, auth, messages"),
        ("django/contrib/auth/", "sessions, auth, messages"),
        ("django/contrib/messages/", "sessions, auth, messages"),
        ("django/middleware/", "middleware, handler, URL resolving, request/response"),
        ("django/core/", "middleware, handler, URL resolving, request/response"),
        ("django/http/", "middleware, handler, URL resolving, request/response"),
        ("django/urls/", "middleware, handler, URL resolving, request/response"),
        ("whitenoise/", "middleware, handler, URL resolving, request/response"),
        ("csp/", "middleware, handler, URL resolving, request/response"),
        ("django/utils/", "django.utils (functional, safestring, dates …)"),
        ("asgiref/", "asgiref Local (thread-locals: translation, connections)"),
        ("gridgov/", "gridgov code itself"),
        ("json/", "json (stdlib)"),
        ("copy.py", "copy / deepcopy"),
        ("enum.py", "enum"),
        ("inspect.py", "inspect (signature binding)"),
    ]
    for prefix, layer in rules:
        if where.startswith(prefix):
            return layer
    return "other (stdlib, libraries)"


if __name__ == "__main__":
    sys.exit(main())
