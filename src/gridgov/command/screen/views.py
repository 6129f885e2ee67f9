"""The command centre's pages: the screen /command/ (full-screen 1920×1080, dark; parts of a
video wall with ``?wall=2x2&part=3``; the whole layout at 3840×2160 with ``?size=4k``) and the
compact phone page /command/phone/ for leaders.

The pages carry no figures: their script reads the command centre API (scope, tiles, rankings,
alerts, map, items) and the live stream, all scoped to the viewer's jurisdiction. The view only
checks what the URL asks — the area (``command.view`` there, else 404; nowhere, 403), the period
and the wall layout — and refuses a malformed one with a 400 page that says what is wrong.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from gridgov.command.tiles.selectors import scope_for
from gridgov.core.errors import DomainError, ValidationFailed
from gridgov.core.views import domain_errors

# Video walls the screen can be split over: columns × rows of 1920×1080 screens.
WALLS = {"2x1": (2, 1), "2x2": (2, 2)}
SIZES = ("4k",)
_WALL = re.compile(r"^(\d)x(\d)$")


@dataclass(frozen=True)
class Layout:
    wall: str  # "" or "2x1", "2x2"
    columns: int
    rows: int
    part: int  # 1-based, 0 without a wall
    size: str  # "" or "4k"

    @property
    def column(self) -> int:
        """The 0-based column of the wall this part shows."""
        return (self.part - 1) % self.columns if self.part else 0

    @property
    def row(self) -> int:
        return (self.part - 1) // self.columns if self.part else 0


def _int_param(request: HttpRequest, name: str) -> int | None:
    raw = request.GET.get(name, "").strip()
    if not raw:
        return None
    if not raw.isdigit() or len(raw) > 18:
        message = _("“%(value)s” is not a valid number.") % {"value": raw[:40]}
        raise ValidationFailed(message, fields={name: message})
    return int(raw)


def parse_layout(request: HttpRequest) -> Layout:
    """The wall layout the URL asks for (``wall``, ``part``, ``size``); ValidationFailed when
    it names a wall, part or size the screen does not have."""
    wall = request.GET.get("wall", "").strip()
    size = request.GET.get("size", "").strip()
    part_raw = request.GET.get("part", "").strip()
    if size and size not in SIZES:
        message = _("Unknown screen size “%(value)s”; the screen knows 4k.") % {"value": size[:20]}
        raise ValidationFailed(message, fields={"size": message})
    if not wall:
        if part_raw:
            message = _("A part of the screen needs a video wall, e.g. ?wall=2x2&part=1.")
            raise ValidationFailed(message, fields={"part": message})
        return Layout(wall="", columns=1, rows=1, part=0, size=size)
    if wall not in WALLS:
        message = _("Unknown video wall “%(value)s”; the screen knows 2x1 and 2x2.") % {
            "value": wall[:20]
        }
        raise ValidationFailed(message, fields={"wall": message})
    if size:
        message = _("Choose either a video wall or the 4k size, not both.")
        raise ValidationFailed(message, fields={"size": message})
    columns, rows = WALLS[wall]
    count = columns * rows
    part = _int_param(request, "part") if part_raw else 1
    if part is None or not 1 <= part <= count:
        message = _("The wall %(wall)s has the parts 1 to %(count)d.") % {
            "wall": wall,
            "count": count,
        }
        raise ValidationFailed(message, fields={"part": message})
    return Layout(wall=wall, columns=columns, rows=rows, part=part, size="")


def _bad_request(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return render(request, "400.html", {"message": exc.message}, status=400)


def _has_map_module() -> bool:
    """Is the map module (``command/map.js``, window.GridgovCommandMap) installed?"""
    return bool(finders.find("command/map.js"))


def _context(request: HttpRequest, *, phone: bool) -> dict[str, Any]:
    area_id = _int_param(request, "area")
    layout = parse_layout(request) if not phone else Layout("", 1, 1, 0, "")
    # The same scope as the API's (command.tiles): area, period and their refusals.
    scope = scope_for(
        actor=request.user,
        area_id=area_id,
        date_from=request.GET.get("from", "")[:40],
        date_to=request.GET.get("to", "")[:40],
    )
    return {
        "area": scope.area,
        "period": (scope.date_from, scope.date_to),
        "layout": layout,
        "phone": phone,
        "has_map": _has_map_module() and not phone,
        "live_stream_url": getattr(settings, "GRIDGOV_LIVE_URL", "")
        or reverse("command:screen") + "live/stream",
        "api_base": "/api/v1/command",
        "screen_url": reverse("command:screen"),
        "phone_url": reverse("command:screen_phone"),
        "title": _("Command centre"),
    }


@login_required
@domain_errors
def screen(request: HttpRequest) -> HttpResponse:
    """The full-screen command centre (1920×1080; a part of a video wall; 4k)."""
    try:
        context = _context(request, phone=False)
    except ValidationFailed as exc:
        return _bad_request(request, exc)
    return render(request, "command/screen/screen.html", context)


@login_required
@domain_errors
def phone(request: HttpRequest) -> HttpResponse:
    """The compact command centre for a leader's phone: key tiles, alerts, rankings."""
    try:
        context = _context(request, phone=True)
    except ValidationFailed as exc:
        return _bad_request(request, exc)
    return render(request, "command/screen/screen.html", context)
