"""Likely duplicates of a case (same place, similar text, recent), shown to dispatchers so they
can merge (并单) instead of dispatching the same problem twice.

The candidates come from an index-friendly prefilter — open cases of the same community
subtree (``area_path`` range) reported within ``WINDOW`` of the case (index
``case_path_reported``), and, when the case has a point, inside a bounding box of ``RADIUS_M``
around it — capped at ``MAX_CANDIDATES`` rows. Each candidate is then scored in Python:

* text: Dice coefficient of the character bigrams of title + description (Chinese has no
  spaces between words, so words cannot be compared; bigrams work for both languages);
* distance: 1 at the same point, 0 at ``RADIUS_M`` (0.3 when either case has no point but both
  lie in the same area);
* time: 1 at the same moment, 0 at ``WINDOW`` apart;
* category: 1 for the same category, 0.5 for a sibling, else 0.

``score = 0.45 text + 0.25 distance + 0.15 time + 0.15 category``; those at or above
``THRESHOLD`` are returned, best first.
"""

from __future__ import annotations

import math
import unicodedata
from datetime import timedelta
from typing import Any

from django.db.models import Q

from gridgov.accounts.roles import Perm
from gridgov.areas.codes import Level
from gridgov.areas.models import Area
from gridgov.areas.selectors import subtree_q
from gridgov.cases.models import Case
from gridgov.cases.states import OPEN_STATES

RADIUS_M = 200.0
WINDOW = timedelta(days=7)
THRESHOLD = 0.5
MAX_CANDIDATES = 300
WEIGHTS = {"text": 0.45, "distance": 0.25, "time": 0.15, "category": 0.15}
_M_PER_DEG = 111_320.0


def _normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text or "").lower()
    return "".join(ch for ch in text if ch.isalnum())


def bigrams(text: str) -> set[str]:
    s = _normalise(text)
    if len(s) < 2:
        return {s} if s else set()
    return {s[i : i + 2] for i in range(len(s) - 1)}


def text_similarity(a: str, b: str) -> float:
    """Dice coefficient of character bigrams, 0 … 1."""
    x, y = bigrams(a), bigrams(b)
    if not x or not y:
        return 0.0
    return 2 * len(x & y) / (len(x) + len(y))


def distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Equirectangular distance in metres (exact enough below a few km)."""
    dx = (lon2 - lon1) * math.cos(math.radians((lat1 + lat2) / 2)) * _M_PER_DEG
    dy = (lat2 - lat1) * _M_PER_DEG
    return math.hypot(dx, dy)


def _scope_path(case: Case) -> str:
    """The case's community subtree (or its own area when it lies above a community)."""
    community = (
        Area.objects.filter(pk__in=case.area.ancestor_ids, level=Level.COMMUNITY)
        .values_list("path", flat=True)
        .first()
    )
    return community or case.area_path or case.area.path


def _text(case: Case) -> str:
    return f"{case.title} {case.description}"


def score(case: Case, other: Case) -> float:
    text = text_similarity(_text(case), _text(other))
    if None not in (case.lon, case.lat, other.lon, other.lat):
        d = distance_m(case.lon, case.lat, other.lon, other.lat)  # type: ignore[arg-type]
        dist = max(0.0, 1.0 - d / RADIUS_M)
    else:
        dist = 0.3 if case.area_id == other.area_id else 0.0
    dt = abs((case.reported_at - other.reported_at).total_seconds())
    when = max(0.0, 1.0 - dt / WINDOW.total_seconds())
    if case.category_id == other.category_id:
        cat = 1.0
    elif case.category.parent_id is not None and case.category.parent_id == (
        other.category.parent_id
    ):
        cat = 0.5
    else:
        cat = 0.0
    total = (
        WEIGHTS["text"] * text
        + WEIGHTS["distance"] * dist
        + WEIGHTS["time"] * when
        + WEIGHTS["category"] * cat
    )
    return round(total, 3)


def likely_duplicates(
    *, case: Case, limit: int = 5, visible_to: Any = None, threshold: float = THRESHOLD
) -> list[tuple[Case, float]]:
    """Open cases that probably report the same problem as ``case``, with their score (0 … 1),
    best first. ``visible_to``: only cases that user may view (CASE_VIEW jurisdiction)."""
    qs = (
        Case.objects.filter(
            subtree_q(_scope_path(case), field="area_path"),
            status__in=[str(s) for s in OPEN_STATES],
            reported_at__gte=case.reported_at - WINDOW,
            reported_at__lte=case.reported_at + WINDOW,
        )
        .exclude(pk=case.pk)
        .select_related("category")
    )
    if case.lon is not None and case.lat is not None:
        dlat = RADIUS_M / _M_PER_DEG
        dlon = RADIUS_M / (_M_PER_DEG * max(0.01, math.cos(math.radians(case.lat))))
        near = Q(
            lat__gte=case.lat - dlat,
            lat__lte=case.lat + dlat,
            lon__gte=case.lon - dlon,
            lon__lte=case.lon + dlon,
        )
        qs = qs.filter(near | Q(lon__isnull=True, area_id=case.area_id))
    else:
        qs = qs.filter(area_id=case.area_id)
    if visible_to is not None:
        from gridgov.cases.visibility import case_q

        qs = qs.filter(case_q(visible_to, Perm.CASE_VIEW))
    candidates = list(qs.order_by("-reported_at")[:MAX_CANDIDATES])
    scored = [(other, score(case, other)) for other in candidates]
    found = [(c, s) for c, s in scored if s >= threshold]
    found.sort(key=lambda cs: (-cs[1], -cs[0].reported_at.timestamp()))
    return found[: max(0, limit)]
