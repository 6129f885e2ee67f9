"""Rankings for the reports: the children of the report's area ranked on every registered
:class:`~gridgov.command.registry.RankMeasure` of a module (generic: a module that registers a
measure later appears in the next report with no change here).

Each measure's ``compute`` reads its counters in one or a few statements for all the children
at once; the report shows the value, the rank and the rank in the preceding period of the same
length (the arrows of the screen as words: 上升 / 下降 / 持平 / 新上榜).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils.translation import gettext as _

from gridgov.areas.models import Area
from gridgov.command.registry import RankMeasure, Scope, rank_measures
from gridgov.command.reports.fmt import DASH, number, pct


def _ranks(values: dict[int, float | None], higher_is_better: bool) -> dict[int, int]:
    """Competition ranking (1, 2, 2, 4) of the defined values; undefined ones have no rank."""
    defined = [(v, k) for k, v in values.items() if v is not None]
    defined.sort(key=lambda p: -p[0] if higher_is_better else p[0])
    ranks: dict[int, int] = {}
    previous: float | None = None
    rank = 0
    for position, (value, key) in enumerate(defined, start=1):
        if previous is None or value != previous:
            rank = position
            previous = value
        ranks[key] = rank
    return ranks


def _change(now: int | None, before: int | None) -> str:
    if now is None:
        return DASH
    if before is None:
        return _("new")
    if now < before:
        return _("up")
    if now > before:
        return _("down")
    return _("same")


def ranking_table(scope: Scope, measure: RankMeasure, children: list[Area]) -> dict[str, Any]:
    """One table: the children ranked on ``measure`` for the scope's period."""
    ids = [c.pk for c in children]
    values = measure.compute(ids, scope.date_from, scope.date_to) if ids else {}
    days = (scope.date_to - scope.date_from).days + 1
    prev_to = scope.date_from - timedelta(days=1)
    previous = measure.compute(ids, prev_to - timedelta(days=days - 1), prev_to) if ids else {}
    ranks = _ranks(values, measure.higher_is_better)
    ranks_before = _ranks(previous, measure.higher_is_better)
    rows = []
    for child in children:
        rank = ranks.get(child.pk)
        rows.append(
            [
                rank if rank is not None else DASH,
                child.name,
                format_measure(values.get(child.pk), measure.unit),
                ranks_before.get(child.pk, DASH),
                _change(rank, ranks_before.get(child.pk)),
            ]
        )
    rows.sort(key=lambda r: (r[0] == DASH, r[0] if r[0] != DASH else 0))
    return {
        "title": _("Ranking: %(measure)s") % {"measure": measure.title},
        "columns": [
            _("Rank"),
            _("Area"),
            str(measure.title),
            _("Rank in the previous period"),
            _("Change"),
        ],
        "rows": rows,
    }


def format_measure(value: float | None, unit: str) -> Any:
    """A measure's value as the report shows it (rates, by the RankMeasure contract 0…1)."""
    if value is None:
        return DASH
    return pct(value) if unit == "%" else number(value)


def rankings(scope: Scope, *, prefix: str) -> dict[str, Any]:
    """The ranking tables and formulas of the measures whose key starts with ``prefix`` that
    rank areas (departments are not ranked in the area reports)."""
    measures = [
        m for m in rank_measures.all() if m.key.startswith(prefix) and m.subjects == "areas"
    ]
    if not measures:
        return {"tables": [], "formulas": []}
    children = list(
        Area.objects.filter(parent=scope.area, is_active=True).defer("geometry").order_by("code")
    )
    if not children:
        return {"tables": [], "formulas": []}
    return {
        "tables": [ranking_table(scope, m, children) for m in measures],
        "formulas": [
            {"name": str(m.title), "formula": str(m.formula)} for m in measures if m.formula
        ],
    }
