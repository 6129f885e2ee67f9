"""The framework floor for ``bench_http.py``: a minimal Django project (settings in code, no
database, no middleware, no templates) whose one view answers a body of the size asked for,
served by the same server software and thread count as ``gridgov serve``.

    .venv/bin/python bench/http_floor.py --port 8227 --threads 8 [--workers 2]

``GET|POST /floor/<size>/<kind>/`` answers ``size`` bytes of JSON (``kind`` = ``json``) or
HTML (``html``); the status comes from ``?status=`` (default 200), so the load client can send
each row's requests with the status gridgov gave. POST bodies are read (as a view reading its
form or JSON would). With ``--workers`` above 1 it runs gunicorn's threaded workers instead of
waitress (the same choice ``gridgov serve`` offers when it runs several processes).
"""

from __future__ import annotations

import argparse
import signal
import sys
from typing import Any

_BODIES: dict[tuple[int, str], bytes] = {}


def _body(size: int, kind: str) -> bytes:
    """A body of exactly ``size`` bytes (cached: the floor is the framework, not the filler)."""
    key = (size, kind)
    body = _BODIES.get(key)
    if body is None:
        if kind == "json":
            filler = max(0, size - len(b'{"x":""}'))
            body = b'{"x":"' + b"a" * filler + b'"}'
        else:
            head = b"<!doctype html><html><body><p>"
            tail = b"</p></body></html>"
            body = head + b"a" * max(0, size - len(head) - len(tail)) + tail
        _BODIES[key] = body
    return body


def floor_view(request: Any, size: int, kind: str) -> Any:
    from django.http import HttpResponse

    if request.method == "POST":
        request.body  # noqa: B018 — read the body, as a real view would
    try:
        status = int(request.GET.get("status", "200"))
    except ValueError:
        status = 400
    content_type = "application/json" if kind == "json" else "text/html; charset=utf-8"
    return HttpResponse(_body(size, kind), status=status, content_type=content_type)


urlpatterns: list[Any] = []


def configure() -> Any:
    """Settings in code, the URL conf in this module; returns the WSGI application."""
    import django
    from django.conf import settings
    from django.urls import path

    settings.configure(
        DEBUG=False,
        SECRET_KEY="bench-floor-not-secret",
        ALLOWED_HOSTS=["127.0.0.1", "localhost"],
        ROOT_URLCONF=__name__,
        MIDDLEWARE=[],
        INSTALLED_APPS=[],
        DATABASES={},
        USE_TZ=True,
        LOGGING_CONFIG=None,
    )
    django.setup()
    urlpatterns.append(path("floor/<int:size>/<str:kind>/", floor_view))
    from django.core.wsgi import get_wsgi_application

    return get_wsgi_application()


def _serve_waitress(app: Any, port: int, threads: int) -> None:
    from waitress import create_server

    server = create_server(app, host="127.0.0.1", port=port, threads=threads, ident="floor")

    def stop(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    print(f"floor serving on http://127.0.0.1:{port}/", flush=True)
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()


def _serve_gunicorn(app: Any, port: int, threads: int, workers: int) -> None:
    from gunicorn.app.base import BaseApplication

    class Floor(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            for key, value in {
                "bind": f"127.0.0.1:{port}",
                "workers": workers,
                "threads": threads,
                "worker_class": "gthread",
                "accesslog": None,
                "loglevel": "warning",
            }.items():
                self.cfg.set(key, value)

        def load(self) -> Any:
            return app

    print(f"floor serving on http://127.0.0.1:{port}/ ({workers} workers)", flush=True)
    Floor().run()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--port", type=int, default=8227)
    p.add_argument("--threads", type=int, default=8)
    p.add_argument("--workers", type=int, default=1)
    args = p.parse_args(argv)
    app = configure()
    if args.workers > 1:
        _serve_gunicorn(app, args.port, args.threads, args.workers)
    else:
        _serve_waitress(app, args.port, args.threads)
    return 0


if __name__ == "__main__":
    sys.exit(main())
