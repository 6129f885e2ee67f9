"""The ``gridgov`` command.

``gridgov demo``    migrate, build the demo district on first run, serve it (web + worker)
``gridgov serve``   migrate, then serve the web app (gunicorn with one process per core, or
                    waitress with ``--workers 1``) and a background worker
``gridgov worker``  the background worker and the periodic-job scheduler
``gridgov <other>`` any Django management command, with ``-`` for ``_``
                    (``gridgov import-divisions …``, ``gridgov migrate``, ``gridgov createsuperuser``)

The data folder is ``GRIDGOV_DATA_DIR`` (default ``./var``); see docs/operations.md.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

SQLITE_NAME = "gridgov.sqlite3"

USAGE = """\
usage: gridgov <command> [options]

commands:
  demo            build the demo district on first run and serve it (web + worker)
  serve           serve the web app (several processes) with a background worker
  worker          run the background worker and the periodic-job scheduler
  live-serve      serve the command centre's live stream alone (serve starts it itself)
  import-divisions, import-grids, demo-build, prune-audit, create-admin, migrate, …
                  any Django management command ('-' or '_' both work);
                  'gridgov help' lists them, 'gridgov help <command>' explains one

Run 'gridgov <command> --help' for a command's options.
Data folder: $GRIDGOV_DATA_DIR (default ./var). Database: $DATABASE_URL (default SQLite there).
"""


# The demo's background worker writes here, inside the data folder (``<data>/logs/``).
WORKER_LOG = "worker.log"
LIVE_LOG = "live.log"


class CliError(Exception):
    """A failure to report on stderr with exit status 1."""


def _prepare_env() -> Path:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gridgov.settings")
    # An absolute data folder, so child processes (the worker) use the same one.
    data = Path(os.environ.get("GRIDGOV_DATA_DIR") or "./var").expanduser().resolve()
    os.environ["GRIDGOV_DATA_DIR"] = str(data)
    return data


def django_argv(argv: Sequence[str]) -> list[str]:
    """``["import-divisions", "--x"]`` → ``["gridgov", "import_divisions", "--x"]``."""
    if not argv:
        return ["gridgov", "help"]
    command, *rest = argv
    if not command.startswith("-"):
        command = command.replace("-", "_")
    if command == "help" and rest and not rest[0].startswith("-"):
        # ``gridgov help import-grids`` names a command too.
        rest = [rest[0].replace("-", "_"), *rest[1:]]
    return ["gridgov", command, *rest]


# One-shot commands that set data up: they apply pending migrations first, as ``demo`` and
# ``serve`` do, so they work on a fresh data folder.
MIGRATE_FIRST = frozenset(
    {"demo_build", "import_divisions", "import_grids", "index_cases", "prune_audit"}
)
# Long-running commands that refuse to start on a database that is not migrated (a separate
# worker service must not race the web server's own migration).
NEED_MIGRATED = frozenset({"worker"})


# --- argument parsers ------------------------------------------------------------------------


MAX_DEFAULT_WORKERS = 4


def default_workers() -> int:
    """Web server processes by default: one per core, at most :data:`MAX_DEFAULT_WORKERS`; one
    where processes cannot be forked (Windows)."""
    if not hasattr(os, "fork"):
        return 1
    return max(1, min(MAX_DEFAULT_WORKERS, os.cpu_count() or 1))


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _server_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    parser.add_argument("--port", type=int, default=8000, help="port to listen on (8000)")
    parser.add_argument(
        "--workers",
        type=_positive,
        default=default_workers(),
        help="web server processes (default: one per core, at most "
        f"{MAX_DEFAULT_WORKERS}; here {default_workers()}). More than one: gunicorn with "
        "threaded workers; one: waitress. 1 on systems without fork.",
    )
    parser.add_argument(
        "--threads", type=_positive, default=8, help="threads per web server process (8)"
    )
    parser.add_argument(
        "--no-worker", action="store_true", help="do not start a background worker process"
    )
    parser.add_argument(
        "--live-port",
        type=int,
        default=None,
        help="port of the process serving the command centre's live stream (default: --port "
        "+ 1; 0: serve it from the web processes, which suits a few screens only)",
    )


def _demo_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="gridgov demo",
        description="Migrate, build the demo district (first run only), print the demo "
        "accounts, and serve it with a background worker.",
    )
    _server_args(p)
    p.add_argument(
        "--reset",
        action="store_true",
        help="delete the SQLite database in the data folder first (a fresh demo)",
    )
    p.add_argument(
        "--grids",
        type=int,
        default=None,
        help="the demo's size when it is built: number of grids (80); cases scale with it",
    )
    return p


def _serve_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="gridgov serve",
        description="Migrate, then serve the web app (gunicorn with --workers processes, "
        "waitress with --workers 1) and a background worker. "
        "Put a TLS proxy (nginx) in front in production; see docs/operations.md.",
    )
    _server_args(p)
    p.add_argument("--no-migrate", action="store_true", help="do not apply migrations first")
    p.add_argument(
        "--trusted-proxy",
        default=os.environ.get("GRIDGOV_TRUSTED_PROXY") or None,
        metavar="ADDR",
        help="address of the reverse proxy (e.g. 127.0.0.1) whose X-Forwarded-For and "
        "X-Forwarded-Proto headers are believed (default: $GRIDGOV_TRUSTED_PROXY; none)",
    )
    return p


# --- steps ------------------------------------------------------------------------------------


def _setup_django() -> None:
    import django

    django.setup()


def _migrate() -> None:
    from django.core.management import call_command
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if plan:
        print(f"Applying {len(plan)} database migration(s)…", flush=True)
        call_command("migrate", interactive=False, verbosity=0)
    # The sign-in throttle's table, when GRIDGOV_LOGIN_THROTTLE_CACHE=database (else a no-op).
    call_command("createcachetable", verbosity=0)


def _refuse_wrong_field_key() -> None:
    """Before anything is migrated or served: the field key must open the database's personal
    data (raises :class:`~gridgov.core.keys.FieldKeyError`, reported on stderr, exit 1)."""
    from gridgov.core.keys import FieldKeyError, field_key_problem

    problem = field_key_problem()
    if problem:
        raise FieldKeyError(problem)


def _ensure_field_key() -> None:
    """After migrating: make the key for an empty database, record its fingerprint."""
    from gridgov.core.keys import ensure_field_key

    ensure_field_key()


def _check_port(host: str, port: int, *, wait: float = 0.0) -> None:
    """Fail before the slow steps (migrations, the demo build) if the port is taken — after
    ``wait`` seconds of looking again (a previous run's child that is still stopping)."""
    import socket
    import time

    deadline = time.monotonic() + wait
    while True:
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
            family, _type, _proto, _name, address = infos[0]
            with socket.socket(family, socket.SOCK_STREAM) as probe:
                probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                probe.bind(address)
            return
        except OSError as exc:
            if time.monotonic() < deadline:
                time.sleep(0.25)
                continue
            raise CliError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from exc


def _reset_sqlite(data: Path) -> None:
    if os.environ.get("DATABASE_URL", "").strip():
        raise CliError(
            "--reset only deletes the SQLite database in the data folder; with DATABASE_URL "
            "set, drop and re-create the database yourself."
        )
    for suffix in ("", "-wal", "-shm", "-journal"):
        (data / f"{SQLITE_NAME}{suffix}").unlink(missing_ok=True)
    print(f"Deleted the database in {data}.", flush=True)


def _print_accounts() -> None:
    from gridgov.demo.generator import DEMO_PASSWORD, demo_accounts

    rows = [(a.username, a.role_label, a.area_name) for a in demo_accounts()]
    w1 = max(len(r[0]) for r in rows)
    print(f"\nDemo accounts (password for all: {DEMO_PASSWORD}):")
    for username, role, area in rows:
        print(f"  {username:<{w1}}  {role} — {area}")
    print(flush=True)


class WorkerProcess:
    """The ``gridgov worker`` child of ``serve``: started with it, restarted if it dies,
    stopped (SIGTERM, then SIGKILL after a grace period) when serve stops."""

    GRACE_SECONDS = 30.0
    RESTART_DELAY = 5.0

    def __init__(
        self,
        log_file: Path | None = None,
        *,
        args: Sequence[str] = ("worker",),
        name: str = "Background worker",
    ) -> None:
        # None: the worker writes to this console; a path: its output is appended there.
        self.log_file = log_file
        self.args = list(args)
        self.name = name
        self.proc: subprocess.Popen[bytes] | None = None
        self.stopping = threading.Event()
        self._lock = threading.Lock()
        self._watcher: threading.Thread | None = None

    def _spawn(self) -> subprocess.Popen[bytes]:
        env = dict(os.environ, GRIDGOV_PARENT_PID=str(os.getpid()))
        out: Any = None
        if self.log_file is not None:
            self.log_file.parent.mkdir(parents=True, exist_ok=True)
            out = self.log_file.open("ab")
        try:
            # Own process group: Ctrl-C in the terminal reaches serve, which stops the worker
            # once.
            return subprocess.Popen(
                [sys.executable, "-m", "gridgov.cli", *self.args],
                env=env,
                start_new_session=True,
                stdout=out,
                stderr=subprocess.STDOUT if out is not None else None,
            )
        finally:
            if out is not None:
                out.close()  # the child holds its own descriptor

    def start(self) -> None:
        with self._lock:
            self.proc = self._spawn()
        where = f"; its log: {self.log_file}" if self.log_file is not None else ""
        print(f"{self.name} started (pid {self.proc.pid}){where}.", flush=True)
        self._watcher = threading.Thread(target=self._watch, name="worker-watch", daemon=True)
        self._watcher.start()

    def _watch(self) -> None:
        while not self.stopping.is_set():
            proc = self.proc
            if proc is None:
                return
            code = proc.wait()
            if self.stopping.wait(self.RESTART_DELAY):
                return
            seen = f" (see {self.log_file})" if self.log_file is not None else ""
            print(
                f"gridgov: {self.name.lower()} exited ({code}){seen}; restarting it.",
                file=sys.stderr,
                flush=True,
            )
            with self._lock:
                if self.stopping.is_set():
                    return
                self.proc = self._spawn()

    def stop(self) -> None:
        self.stopping.set()
        with self._lock:
            proc = self.proc
        if proc is None or proc.poll() is not None:
            return
        proc.terminate()
        try:
            proc.wait(timeout=self.GRACE_SECONDS)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _prepare_workers(workers: int) -> None:
    """Before Django's settings are read: several web processes share the sign-in throttle's
    counts through the database (each process's memory would count apart), unless the
    environment chose a cache."""
    if workers > 1:
        os.environ.setdefault("GRIDGOV_LOGIN_THROTTLE_CACHE", "database")


def _warm(application: Any) -> None:
    from gridgov.core.warmup import warm

    started = time.monotonic()
    warm(application)
    print(f"Warmed up in {time.monotonic() - started:.1f} s.", flush=True)


def _gunicorn(
    application: Any,
    *,
    host: str,
    port: int,
    workers: int,
    threads: int,
    trusted_proxy: str | None,
) -> None:
    """Serve with gunicorn: ``workers`` processes forked from this one after the warm-up
    (preloaded), ``threads`` threads each. Returns when gunicorn stops (SIGTERM, Ctrl-C)."""
    try:
        from gunicorn.app.base import BaseApplication
    except ImportError as exc:  # no gunicorn on this system (Windows): one process, waitress
        raise CliError(f"several web processes need gunicorn ({exc}); use --workers 1") from exc

    application = TrustedProxy(application, trusted_proxy)
    bind = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    options: dict[str, Any] = {
        "bind": [bind],
        "workers": workers,
        "threads": threads,
        "worker_class": "gthread",
        "preload_app": True,
        "proc_name": "gridgov",
        "loglevel": "warning",
        "accesslog": None,
        "timeout": 120,
        "graceful_timeout": 30,
        "post_fork": _post_fork,
        # X-Forwarded-* are TrustedProxy's business, not gunicorn's.
        "forwarded_allow_ips": "",
        "secure_scheme_headers": {},
        # As under waitress, a long query string reaches the app, whose edge and form limits
        # answer it with a JSON 400 (gunicorn's own 4 KB request-line limit answered an HTML
        # 414 that no API client expects); the whole header block stays bounded by gunicorn.
        "limit_request_line": 0,
    }

    class Server(BaseApplication):
        def load_config(self) -> None:
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self) -> Any:
            return application

    try:
        Server().run()
    except SystemExit as exc:
        if exc.code not in (0, None):
            raise CliError(f"the web server stopped with status {exc.code}") from None


def _post_fork(server: Any, worker: Any) -> None:
    """In each forked web process: its own database connections, never the parent's (the
    warm-up closed them; one opened since is dropped here without closing it under the
    parent)."""
    from django.db import connections

    for conn in connections.all(initialized_only=True):
        conn.connection = None


class TrustedProxy:
    """WSGI wrapper doing for gunicorn what waitress's ``trusted_proxy`` does: from the proxy's
    address, the client's address (the last ``X-Forwarded-For`` entry) becomes ``REMOTE_ADDR``
    and ``X-Forwarded-Proto`` the URL scheme; from anyone else both headers are dropped."""

    def __init__(self, application: Any, proxy: str | None) -> None:
        self.application = application
        self.proxy = proxy

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        if self.proxy and environ.get("REMOTE_ADDR") == self.proxy:
            forwarded = environ.get("HTTP_X_FORWARDED_FOR", "").split(",")[-1].strip()
            if forwarded:
                environ["REMOTE_ADDR"] = forwarded
            proto = environ.get("HTTP_X_FORWARDED_PROTO", "").split(",")[-1].strip().lower()
            if proto in ("http", "https"):
                environ["wsgi.url_scheme"] = proto
        else:
            environ.pop("HTTP_X_FORWARDED_FOR", None)
            environ.pop("HTTP_X_FORWARDED_PROTO", None)
        return self.application(environ, start_response)


def _serve(
    *,
    host: str,
    port: int,
    threads: int,
    worker: bool,
    workers: int = 1,
    trusted_proxy: str | None = None,
    worker_log: Path | None = None,
    live_port: int = 0,
    live_log: Path | None = None,
) -> None:
    from django.conf import settings
    from waitress import create_server

    Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)  # whitenoise looks there
    from gridgov.wsgi import application

    if host not in ("127.0.0.1", "localhost", "::1") and host not in settings.ALLOWED_HOSTS:
        print(
            f"note: listening on {host}; add the host name clients use to GRIDGOV_ALLOWED_HOSTS "
            "(and put TLS in front, see docs/operations.md).",
            file=sys.stderr,
        )
    # Waitress drops X-Forwarded-* headers unless they come from a trusted proxy; behind nginx
    # they give the client's address (audit log) and https (secure cookies, no redirect loop).
    proxy: dict[str, Any] = {}
    if trusted_proxy:
        proxy = {
            "trusted_proxy": trusted_proxy,
            "trusted_proxy_count": 1,
            "trusted_proxy_headers": {"x-forwarded-for", "x-forwarded-proto"},
        }
    _warm(application)
    live = _live_process(host, live_port, trusted_proxy, live_log)
    if workers > 1:
        parent = os.getpid()
        child = WorkerProcess(worker_log) if worker else None
        try:
            if live is not None:
                live.start()
            if child is not None:
                child.start()
            shown = "[::1]" if host == "::1" else host
            print(
                f"gridgov is serving on http://{shown}:{port}/ with {workers} processes of "
                f"{threads} threads  (Ctrl-C to stop)",
                flush=True,
            )
            _gunicorn(
                application,
                host=host,
                port=port,
                workers=workers,
                threads=threads,
                trusted_proxy=trusted_proxy,
            )
        finally:
            # A forked web process leaves through here too (gunicorn exits it with
            # SystemExit): only the parent owns the background worker.
            if os.getpid() == parent:
                if child is not None:
                    child.stop()
                if live is not None:
                    live.stop()
                print("Stopped.", flush=True)
        return
    try:
        server = create_server(
            application, host=host, port=port, threads=threads, ident="gridgov", **proxy
        )
    except OSError as exc:
        raise CliError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from exc

    def on_term(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    # Ctrl-C and SIGTERM both stop the server, then the worker (even if the shell that started
    # us in the background ignored SIGINT).
    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)
    child = WorkerProcess(worker_log) if worker else None
    try:
        if live is not None:
            live.start()
        if child is not None:
            child.start()
        shown = "[::1]" if host == "::1" else host
        print(f"gridgov is serving on http://{shown}:{port}/  (Ctrl-C to stop)", flush=True)
        server.run()
    except KeyboardInterrupt:
        print("\nStopping…", flush=True)
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        if child is not None:
            child.stop()
        if live is not None:
            live.stop()
        server.close()
        print("Stopped.", flush=True)


def _live_port(host: str, port: int, asked: int | None) -> int:
    """The live process's port (0: none), checked free and handed to the web processes (the
    pages' ``live_stream_url``) through ``GRIDGOV_LIVE_PORT``."""
    live = port + 1 if asked is None else asked
    if live and not hasattr(os, "fork"):  # no gunicorn (Windows): the web process serves it
        live = 0
    if live:
        if live == port:
            raise CliError("--live-port must differ from --port.")
        # A live process of a run that was killed stops with it (it dies with its parent) but
        # may still be closing its streams: give it the few seconds of its graceful stop.
        _check_port(host, live, wait=10.0)
    os.environ["GRIDGOV_LIVE_PORT"] = str(live)
    return live


def _live_process(
    host: str, live_port: int, trusted_proxy: str | None, log_file: Path | None
) -> WorkerProcess | None:
    """The live stream's own process (gridgov.command.live.server), or None."""
    if not live_port:
        return None
    args = ["live-serve", "--host", host, "--port", str(live_port)]
    if trusted_proxy:
        args += ["--trusted-proxy", trusted_proxy]
    return WorkerProcess(log_file, args=args, name="Live stream process")


def cmd_demo(argv: Sequence[str], data: Path) -> None:
    args = _demo_parser().parse_args(argv)
    _check_port(args.host, args.port)
    live_port = _live_port(args.host, args.port, args.live_port)
    # The demo's trickle of new cases (gridgov.command.live.tasks), in the worker it starts.
    os.environ["GRIDGOV_DEMO_TRICKLE"] = "1"
    _prepare_workers(args.workers)
    if args.reset:
        _reset_sqlite(data)
    _setup_django()
    _refuse_wrong_field_key()
    _migrate()
    _ensure_field_key()
    from gridgov.demo.generator import DEFAULT_GRIDS, build_demo, default_cases, demo_exists

    grids = DEFAULT_GRIDS if args.grids is None else args.grids
    if grids < 1:
        raise CliError("--grids must be at least 1.")
    if demo_exists():
        print("The demo district is already built.", flush=True)
    else:
        print("Building the demo district (first run)…", flush=True)
        started = time.monotonic()
        result = build_demo(grids=grids, cases=default_cases(grids))
        print(
            f"Built {result.areas} areas, {result.grids} grids, {result.users} accounts and "
            f"{result.cases} cases "
            f"in {time.monotonic() - started:.0f} s.",
            flush=True,
        )
    _print_accounts()
    # The worker's INFO lines go to a file, so the account table stays on the screen.
    _serve(
        host=args.host,
        port=args.port,
        threads=args.threads,
        workers=args.workers,
        worker=not args.no_worker,
        worker_log=data / "logs" / WORKER_LOG,
        live_port=live_port,
        live_log=data / "logs" / LIVE_LOG,
    )


def cmd_serve(argv: Sequence[str]) -> None:
    args = _serve_parser().parse_args(argv)
    _check_port(args.host, args.port)
    live_port = _live_port(args.host, args.port, args.live_port)
    if args.trusted_proxy and live_port:
        # Behind the proxy the pages reach the stream on their own origin (the proxy routes
        # /command/live/ to the live port, docs/operations.md).
        os.environ.setdefault("GRIDGOV_LIVE_URL", "/command/live/stream")
    _prepare_workers(args.workers)
    _setup_django()
    _refuse_wrong_field_key()
    if not args.no_migrate:
        _migrate()
    elif args.workers > 1:
        # Several processes count sign-ins in the database (see _prepare_workers): its table
        # must exist even when migrations are left to someone else.
        from django.core.management import call_command

        call_command("createcachetable", verbosity=0)
    _ensure_field_key()
    _serve(
        host=args.host,
        port=args.port,
        threads=args.threads,
        workers=args.workers,
        worker=not args.no_worker,
        trusted_proxy=args.trusted_proxy,
        live_port=live_port,
    )


def _pending_migrations() -> int:
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    return len(executor.migration_plan(executor.loader.graph.leaf_nodes()))


def _prepare_database(command: str, rest: Sequence[str]) -> None:
    """Migrate first for :data:`MIGRATE_FIRST`, refuse cleanly for :data:`NEED_MIGRATED`."""
    if any(a in ("-h", "--help") for a in rest):
        return
    if command in MIGRATE_FIRST:
        _setup_django()
        _refuse_wrong_field_key()
        _migrate()
        _ensure_field_key()
    elif command in NEED_MIGRATED:
        _setup_django()
        pending = _pending_migrations()
        if pending:
            raise CliError(
                f"the database has {pending} migration(s) not applied yet; run 'gridgov "
                "migrate' (or start 'gridgov serve', which migrates) first."
            )


def cmd_django(argv: Sequence[str]) -> None:
    from django.core.management import execute_from_command_line

    args = django_argv(argv)
    _prepare_database(args[1], args[2:])
    execute_from_command_line(args)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help"):
        print(USAGE)
        return 0 if argv else 2
    if argv[0] == "--version":
        from importlib.metadata import version

        print(f"gridgov {version('gridgov')}")
        return 0
    if argv[0] == "help" and len(argv) > 1 and argv[1] in ("demo", "serve"):
        # Our own commands are not Django's: 'gridgov help serve' is 'gridgov serve --help'.
        (_demo_parser if argv[1] == "demo" else _serve_parser)().print_help()
        return 0
    data = _prepare_env()
    command, rest = argv[0], argv[1:]
    from gridgov.core.errors import DomainError

    try:
        if command == "demo":
            cmd_demo(rest, data)
        elif command == "serve":
            cmd_serve(rest)
        else:
            cmd_django(argv)
    except CliError as exc:
        print(f"gridgov: error: {exc}", file=sys.stderr)
        return 1
    except DomainError as exc:
        print(f"gridgov: error: {exc.message}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
