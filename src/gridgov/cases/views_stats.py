"""The statistics page /cases/stats/ (``stats.view``): KPI cards of the maintained indicators,
a daily (or monthly) series of 立案/结案, the child areas' 结案率/满意率 and the shares of the
resolution levels, each chart with a table of the same figures (accessibility, no script).

Reads go through :mod:`gridgov.cases.indicators` (scoped: an area outside the user's statistics
jurisdiction is a 404). Chart data is embedded as JSON; ECharts is vendored (no CDN).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path, reverse
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gridgov.accounts import scoping
from gridgov.accounts.roles import Perm
from gridgov.areas.codes import Level
from gridgov.areas.models import Area
from gridgov.areas.selectors import area_ancestors
from gridgov.cases import indicators
from gridgov.core.errors import DomainError
from gridgov.core.params import DayField
from gridgov.core.views import domain_errors
from gridgov.core.widgets import IsoDateInput

# Periods longer than this are charted per month.
DAILY_MAX_DAYS = 62
# At most this many child areas are listed in the area picker (the breakdown table lists all).
PICKER_MAX_CHILDREN = 200

PERIOD_CHOICES = [
    ("this_month", gettext_lazy("This month")),
    ("last_month", gettext_lazy("Last month")),
    ("this_year", gettext_lazy("This year")),
    ("custom", gettext_lazy("Custom")),
]


class StatsForm(forms.Form):
    area = forms.TypedChoiceField(label=gettext_lazy("Area"), coerce=int, required=False)
    period = forms.ChoiceField(label=gettext_lazy("Period"), choices=PERIOD_CHOICES, required=False)
    date_from = DayField(label=gettext_lazy("From"), required=False, widget=IsoDateInput())
    date_to = DayField(label=gettext_lazy("To"), required=False, widget=IsoDateInput())

    def __init__(self, *args: Any, areas: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["area"].choices = areas  # type: ignore[attr-defined]


def _area_label(area: Area, indent: int = 0) -> str:
    return f"{'　' * indent}{area.name} · {Level(area.level).label}"


def _picker(actor: Any, area: Area) -> list[tuple[int, str]]:
    return area_picker(
        area,
        roots=indicators.stats_areas_for(actor=actor),
        may_view=lambda a: scoping.can(actor, Perm.VIEW_STATS, a),
    )


def area_picker(
    area: Area, *, roots: Iterable[Area], may_view: Callable[[Area], bool]
) -> list[tuple[int, str]]:
    """The choices of a figures page's area picker: the jurisdiction's top areas (``roots``),
    the way down to ``area`` (those ``may_view`` allows) and ``area``'s children."""
    options: list[tuple[int, str]] = []
    seen: set[int] = set()

    def add(a: Area, indent: int) -> None:
        if a.pk not in seen:
            seen.add(a.pk)
            options.append((a.pk, _area_label(a, indent)))

    for root in roots:
        add(root, 0)
    chain = [a for a in area_ancestors(area=area) if may_view(a)]
    for i, a in enumerate(chain):
        add(a, i)
    children = Area.objects.filter(parent=area, is_active=True).defer("geometry").order_by("code")
    for child in children[:PICKER_MAX_CHILDREN]:
        add(child, len(chain))
    return options


def _round1(value: float) -> Decimal:
    """``value`` rounded half up to one decimal."""
    return Decimal(repr(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _one_decimal(value: float) -> str:
    """``value`` rounded to one decimal and formatted for the locale (Django's number_format
    alone cuts the digits: 66.66 → 66.6)."""
    return number_format(_round1(value), 1)


def pct(value: float | None) -> str:
    """A rate as a percentage with one decimal ("—" for none)."""
    return "—" if value is None else f"{_one_decimal(value * 100)}%"


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    hours = seconds / 3600
    if hours < 48:
        return _("%(n)s hours") % {"n": _one_decimal(hours)}
    return _("%(n)s days") % {"n": _one_decimal(hours / 24)}


def _kpis(result: dict[str, Any]) -> list[dict[str, str]]:
    c, r = result["counts"], result["rates"]
    return [
        {"key": "reported", "label": _("Cases reported"), "value": str(c["reported"])},
        {"key": "accepted", "label": _("Cases opened"), "value": str(c["accepted"])},
        {"key": "closed", "label": _("Cases closed"), "value": str(c["closed"])},
        {"key": "closed_rate", "label": _("Closure rate"), "value": pct(r["closed_rate"])},
        {
            "key": "closed_on_time_rate",
            "label": _("Closed on time"),
            "value": pct(r["closed_on_time_rate"]),
        },
        {
            "key": "signed_on_time_rate",
            "label": _("Signed for on time"),
            "value": pct(r["signed_on_time_rate"]),
        },
        {"key": "rework_rate", "label": _("Rework rate"), "value": pct(r["rework_rate"])},
        {
            "key": "satisfaction_rate",
            "label": _("Satisfaction rate"),
            "value": pct(r["satisfaction_rate"]),
        },
        {
            "key": "avg_handle",
            "label": _("Average handling time"),
            "value": _duration(r["avg_handle_seconds"]),
        },
        {"key": "share_grid", "label": _("Resolved in the grid"), "value": pct(r["share_grid"])},
        {
            "key": "share_community",
            "label": _("Resolved in the community"),
            "value": pct(r["share_community"]),
        },
        {
            "key": "share_street",
            "label": _("Resolved in the street"),
            "value": pct(r["share_street"]),
        },
        {
            "key": "share_county",
            "label": _("Resolved at the county"),
            "value": pct(r["share_county"]),
        },
    ]


def _levels(counts: dict[str, int]) -> list[dict[str, Any]]:
    rows = [
        ("closed_grid", _("Grid")),
        ("closed_community", _("Community / village")),
        ("closed_street", _("Street / town")),
        ("closed_county", _("County / department")),
    ]
    total = counts["closed"]
    return [
        {
            "key": key,
            "name": name,
            "value": counts[key],
            "share": pct(counts[key] / total if total else None),
        }
        for key, name in rows
    ]


def _percent_or_none(value: float | None) -> float | None:
    return None if value is None else float(_round1(value * 100))


@login_required
@domain_errors
def stats(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not scoping.has_perm_anywhere(user, Perm.VIEW_STATS):
        raise PermissionDenied(_("You hold no role that may view statistics."))
    raw_area = request.GET.get("area") or ""
    area = indicators.stats_area_get(actor=user, pk=int(raw_area) if raw_area.isdigit() else None)
    form = StatsForm(request.GET or None, areas=_picker(user, area))
    preset, start_in, end_in = "this_month", None, None
    if form.is_bound and form.is_valid():
        preset = form.cleaned_data["period"] or "this_month"
        start_in, end_in = form.cleaned_data["date_from"], form.cleaned_data["date_to"]
    try:
        start, end = indicators.period_bounds(preset, date_from=start_in, date_to=end_in)
    except DomainError as exc:
        form.add_error(None, exc.message)
        preset = "this_month"
        start, end = indicators.period_bounds(preset)
    if not form.is_bound:
        form = StatsForm(
            initial={"area": area.pk, "period": preset, "date_from": start, "date_to": end},
            areas=_picker(user, area),
        )
    granularity = "day" if (end - start).days < DAILY_MAX_DAYS else "month"
    result = indicators.indicators_for(actor=user, area=area, date_from=start, date_to=end)
    series = indicators.series_for(
        actor=user, area=area, date_from=start, date_to=end, granularity=granularity
    )
    children = indicators.breakdown_for(actor=user, area=area, date_from=start, date_to=end)
    levels = _levels(result["counts"])

    def link(a: Area) -> str:
        query = {"area": a.pk, "period": "custom", "date_from": start, "date_to": end}
        return f"{reverse('cases:stats')}?{urlencode(query)}"

    def label(p: date) -> str:
        return p.isoformat() if granularity == "day" else p.strftime("%Y-%m")

    chart = {
        "series": {
            "labels": [label(s["period"]) for s in series],
            "accepted": [s["counts"]["accepted"] for s in series],
            "closed": [s["counts"]["closed"] for s in series],
            "names": {"accepted": _("Cases opened"), "closed": _("Cases closed")},
        },
        "breakdown": {
            "labels": [row["area"].name for row in children],
            "closed_rate": [_percent_or_none(row["rates"]["closed_rate"]) for row in children],
            "satisfaction_rate": [
                _percent_or_none(row["rates"]["satisfaction_rate"]) for row in children
            ],
            "names": {
                "closed_rate": _("Closure rate"),
                "satisfaction_rate": _("Satisfaction rate"),
            },
        },
        "levels": [{"name": lv["name"], "value": lv["value"]} for lv in levels],
    }
    crumbs = [
        (a.name, link(a) if scoping.can(user, Perm.VIEW_STATS, a) else None)
        for a in area_ancestors(area=area)
    ]
    return render(
        request,
        "cases/stats/index.html",
        {
            "title": _("Statistics"),
            "form": form,
            "area": area,
            "crumbs": crumbs,
            "date_from": start,
            "date_to": end,
            "granularity": granularity,
            "kpis": _kpis(result),
            "stock": indicators.stock_now(actor=user, area=area),
            "series": [
                {"label": label(s["period"]), **s["counts"]}
                for s in series
                if any(s["counts"][k] for k in ("accepted", "closed"))
            ],
            "children": [
                {
                    "area": row["area"],
                    "url": link(row["area"]),
                    "accepted": row["counts"]["accepted"],
                    "closed": row["counts"]["closed"],
                    "closed_rate": pct(row["rates"]["closed_rate"]),
                    "closed_on_time_rate": pct(row["rates"]["closed_on_time_rate"]),
                    "satisfaction_rate": pct(row["rates"]["satisfaction_rate"]),
                }
                for row in children
            ],
            "levels": levels,
            "chart": chart,
            "api_query": urlencode({"area": area.pk, "from": start, "to": end}),
        },
    )


urlpatterns: list[URLPattern] = [path("stats/", stats, name="stats")]
