"""The live process: the stream served apart from the pages.

A stream holds a server thread for as long as the screen is open, so 200 screens would take
every thread of the web processes. ``gridgov serve`` therefore starts this process beside them
(``gridgov live-serve``, on ``--live-port``, by default the web port + 1): one gunicorn process
(so one poller) with a thread for every stream it may hold (:func:`~.conf.max_streams`) and a
few more, answering only ``/command/live/`` — anything else is 404. The pages open the stream
there (:func:`gridgov.command.live.live_stream_url`); the browser sends the session cookie,
which belongs to the host, not the port, and the stream answers CORS for the page's origin.
Behind a reverse proxy, route ``/command/live/`` to this port (docs/operations.md).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

PREFIX = "/command/live/"
# Threads beyond the stream cap: the 503 answers and the status page always find one.
SPARE_THREADS = 16


class LiveOnly:
    """WSGI wrapper: the stream's paths go to the app, anything else is a plain 404."""

    def __init__(self, application: Any) -> None:
        self.application = application

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        if str(environ.get("PATH_INFO", "")).startswith(PREFIX):
            return self.application(environ, start_response)
        start_response("404 Not Found", [("Content-Type", "text/plain; charset=utf-8")])
        return [b"Not found: this port serves only the live stream (/command/live/).\n"]


def serve(*, host: str, port: int, trusted_proxy: str | None = None) -> None:
    """Serve the stream with gunicorn (one process, many threads) until stopped."""
    from gunicorn.app.base import BaseApplication

    from gridgov.cli import TrustedProxy
    from gridgov.command.live import conf
    from gridgov.wsgi import application

    app = TrustedProxy(LiveOnly(application), trusted_proxy)
    bind = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    threads = conf.max_streams() + SPARE_THREADS
    options: dict[str, Any] = {
        "bind": [bind],
        "workers": 1,
        "threads": threads,
        "worker_connections": threads + 64,
        "worker_class": "gthread",
        "proc_name": "gridgov-live",
        "loglevel": "warning",
        "accesslog": None,
        "timeout": 120,
        "graceful_timeout": 5,
        "keepalive": 5,
        "forwarded_allow_ips": "",
        "secure_scheme_headers": {},
    }

    class Server(BaseApplication):
        def load_config(self) -> None:
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self) -> Any:
            return app

    print(
        f"gridgov live stream on http://{host}:{port}{PREFIX}stream ({threads} threads)",
        flush=True,
    )
    Server().run()
