"""Command centre: the live stream (see gridgov.command).

``GET /command/live/stream?area=`` (:mod:`.views`) pushes the new events of every registered
feed and the new alerts to the screens, as Server-Sent Events; :mod:`.broadcaster` is the
engine, :mod:`.sources` what it reads, :mod:`.conf` its settings, :mod:`.tasks` the demo's
trickle of new cases. ``gridgov serve`` serves the stream from a process of its own
(:mod:`.server`, see docs/operations.md).
"""

from __future__ import annotations

from typing import Any


def publish_alert(alert: Any) -> None:
    """Called by the alerts job when it raises ``alert``. Alerts reach the streams through the
    database (the poller reads the new rows of ``command.Alert``, in every web process), so
    this only asks this process's poller, if it runs, to look now. Harmless anywhere."""
    from gridgov.command.live.hub import running

    hub = running()
    if hub is not None:
        hub.poke()


def live_stream_url(request: Any) -> str:
    """Where a page opens the stream (the context variable ``live_stream_url``): the setting
    ``GRIDGOV_LIVE_URL`` if set; else the live process's port on the page's host when
    ``gridgov serve`` started one; else this origin's ``/command/live/stream``."""
    from django.urls import reverse

    from gridgov.command.live import conf

    path = reverse("command:live_stream")
    url = conf.live_url()
    if url:
        return url
    port = conf.live_port()
    if port:
        return f"{request.scheme}://{conf.hostname(request.get_host())}:{port}{path}"
    return path
