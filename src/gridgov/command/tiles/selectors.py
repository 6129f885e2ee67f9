"""The command centre's scope, drill-down, tiles and rankings (reads).

* :func:`scope_for` — who looks at which area for which period: the area defaults to the
  viewer's top area where they hold ``command.view``; ``command.view`` nowhere →
  :class:`~gridgov.core.errors.PermissionDenied` (403, audited); an area outside the
  jurisdiction (or unknown, or inactive) → :class:`~gridgov.core.errors.NotFound` (404); a
  malformed, reversed, future or too long period → :class:`~gridgov.core.errors.ValidationFailed`
  (400) naming the field (``from`` / ``to``).
* :func:`breadcrumbs_for` / :func:`children_for` — the way up (only the ancestors inside the
  viewer's jurisdiction) and the way down (the active children) of the drill-down
  county → street → community → grid.
* :func:`tiles_for` — every registered :class:`~gridgov.command.registry.Tile` whose ``perm``
  the viewer holds at the scope's area, computed for the scope.
* :func:`rankings_for` — the children of the area (or the departments working in it) ranked by
  each registered :class:`~gridgov.command.registry.RankMeasure`, with the rank of the
  preceding period of the same length for the arrows.

Ranking rules: the better value first (``higher_is_better``); equal values share a rank and
the next rank skips (1, 2, 2, 4); a ``None`` value (nothing to compute, e.g. no closure in
the period) has no rank and comes last. ``change`` compares the rank with the previous
period's: ``up`` (a better rank now), ``down``, ``same``, or ``new`` (ranked now, not before);
a row without a rank now is ``same``. A measure of the stock now (``period=False``: open,
overdue …) has no previous period: no previous rank, every change ``same``.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta
from typing import Any

from django.db import DatabaseError
from django.utils.translation import gettext as _

from gridgov.accounts import scoping
from gridgov.accounts.models import Department
from gridgov.accounts.roles import Perm
from gridgov.areas.models import Area
from gridgov.cases.indicators import check_period, local_today
from gridgov.command.registry import RankMeasure, Scope, rank_measures, tiles
from gridgov.core.errors import Code, NotFound, ValidationFailed
from gridgov.core.params import check_day
from gridgov.kernel.counters import readers
from gridgov.kernel.counters.registry import ancestor_ids

__all__ = [
    "area_out",
    "breadcrumbs_for",
    "children_for",
    "measure_out",
    "measures_for",
    "previous_period",
    "rank_rows",
    "rankings_for",
    "scope_for",
    "tiles_for",
]

logger = logging.getLogger("gridgov.command")


def _not_found() -> NotFound:
    return NotFound(_("Not found, or outside your jurisdiction."))


def _parse_day(value: date | str | None, *, name: str) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return check_day(value, name=name)
    try:
        day = date.fromisoformat(str(value).strip())
    except ValueError:
        message = _("Enter a date as YYYY-MM-DD.")
        raise ValidationFailed(message, fields={name: message}) from None
    if len(str(value).strip()) != 10:  # 20261201 parses too; ask for the one form
        message = _("Enter a date as YYYY-MM-DD.")
        raise ValidationFailed(message, fields={name: message})
    return check_day(day, name=name)


def _period(
    date_from: date | str | None, date_to: date | str | None, today: date
) -> tuple[date, date]:
    start = _parse_day(date_from, name="from")
    end = _parse_day(date_to, name="to")
    for value, name in ((start, "from"), (end, "to")):
        if value is not None and value > today:
            message = _("The period cannot lie in the future.")
            raise ValidationFailed(message, code=Code.DATE_IN_FUTURE, fields={name: message})
    end = end or today
    start = start or (end.replace(day=1) if date_to is not None else today.replace(day=1))
    check_period(start, end)
    return start, end


def _area(actor: Any, area_id: int | None) -> Area:
    if area_id is None:
        roots = scoping.jurisdiction_roots(actor, Perm.COMMAND_VIEW)
        if not roots:
            raise _not_found()
        return roots[0]
    area = Area.objects.filter(pk=area_id, is_active=True).defer("geometry").first()
    if area is None or not scoping.can(actor, Perm.COMMAND_VIEW, area):
        raise _not_found()
    return area


def scope_for(
    *,
    actor: Any,
    area_id: int | None = None,
    date_from: date | str | None = None,
    date_to: date | str | None = None,
    today: date | None = None,
) -> Scope:
    """The :class:`~gridgov.command.registry.Scope` of a screen (see the module docstring).

    ``date_from`` / ``date_to`` are inclusive local days, as dates or ISO strings (as they come
    from a query); without them the period is this month up to today (only ``to``: the month
    of ``to`` up to it). ``today`` is the local day (for tests; default now)."""
    if not scoping.has_perm_anywhere(actor, Perm.COMMAND_VIEW):
        scoping.require(actor, Perm.COMMAND_VIEW, None, what="command")
    today = today or local_today()
    area = _area(actor, area_id)
    start, end = _period(date_from, date_to, today)
    return Scope(actor=actor, area=area, today=today, date_from=start, date_to=end)


def _require_view(scope: Scope) -> None:
    if not scoping.can(scope.actor, Perm.COMMAND_VIEW, scope.area):
        raise _not_found()


def area_out(area: Area) -> dict[str, Any]:
    """The area as the API gives it: ``{"id", "name", "level", "code"}``."""
    return {"id": area.pk, "name": area.name, "level": area.level, "code": area.code}


def breadcrumbs_for(scope: Scope) -> list[dict[str, Any]]:
    """The way back up: the area's ancestors inside the viewer's ``command.view`` jurisdiction,
    top first, then the area itself (``{"id", "name"}``). One read of the ancestors."""
    ids = ancestor_ids(scope.area.path)
    areas = Area.objects.filter(pk__in=ids).only("id", "name", "path", "level").in_bulk()
    return [
        {"id": areas[i].pk, "name": areas[i].name}
        for i in ids
        if i in areas and scoping.can(scope.actor, Perm.COMMAND_VIEW, areas[i])
    ]


def children_for(scope: Scope) -> list[dict[str, Any]]:
    """The way down: the active children of the area in code order (``{"id", "name",
    "level"}``)."""
    rows = (
        Area.objects.filter(parent=scope.area, is_active=True)
        .order_by("code")
        .values_list("id", "name", "level")
    )
    return [{"id": i, "name": name, "level": level} for i, name, level in rows]


# --- Tiles ------------------------------------------------------------------------------------


def tiles_for(scope: Scope) -> list[dict[str, Any]]:
    """Every registered tile the viewer may see at the scope's area (its own ``perm`` held
    there), in registry order: ``{"key", "title", "group", **compute(scope)}``."""
    _require_view(scope)
    result: list[dict[str, Any]] = []
    with readers.reading():  # the tiles of one screen share their counter reads
        for tile in tiles.all():
            if not scoping.can(scope.actor, tile.perm, scope.area):
                continue
            try:
                computed = tile.compute(scope)
            except DatabaseError:
                raise  # a busy or broken database is the request's failure, not one tile's
            except Exception as exc:
                # One module's broken tile must not blank the whole screen: it shows as failed.
                logger.exception("command tile %s failed: %s", tile.key, type(exc).__name__)
                computed = {"figures": [], "failed": True}
            result.append(
                {"key": tile.key, "title": str(tile.title), "group": str(tile.group), **computed}
            )
    return result


# --- Rankings ---------------------------------------------------------------------------------


def previous_period(date_from: date, date_to: date) -> tuple[date, date]:
    """The period of the same length just before ``date_from`` … ``date_to``."""
    length = (date_to - date_from).days + 1
    end = date_from - timedelta(days=1)
    return end - timedelta(days=length - 1), end


def _ranks(values: dict[int, float | None], higher_is_better: bool) -> dict[int, int | None]:
    """Competition ranks (1, 2, 2, 4) of ``values``; ``None`` values unranked."""
    known = [(i, v) for i, v in values.items() if v is not None]
    known.sort(key=lambda p: -float(p[1] or 0) if higher_is_better else float(p[1] or 0))
    ranks: dict[int, int | None] = dict.fromkeys(values, None)
    previous: float | None = None
    rank = 0
    for position, (i, v) in enumerate(known, start=1):
        if previous is None or v != previous:
            rank = position
            previous = v
        ranks[i] = rank
    return ranks


def _change(rank: int | None, previous: int | None, *, compared: bool = True) -> str:
    if rank is None or not compared:
        return "same"
    if previous is None:
        return "new"
    if rank < previous:
        return "up"
    if rank > previous:
        return "down"
    return "same"


def rank_rows(
    subjects: list[tuple[int, str]],
    current: dict[int, float | None],
    before: dict[int, float | None],
    *,
    higher_is_better: bool,
    compared: bool = True,
) -> list[dict[str, Any]]:
    """The rows of one ranking: each subject ``(id, name)`` with its value, rank, previous
    rank and change, best first, unranked last (then in the subjects' own order).
    ``compared=False`` (a measure of the stock now): no arrows, every change ``same``."""
    values = {i: current.get(i) for i, _n in subjects}
    ranks = _ranks(values, higher_is_better)
    previous = _ranks({i: before.get(i) for i, _n in subjects}, higher_is_better)
    order: dict[int, int] = {i: n for n, (i, _name) in enumerate(subjects)}
    rows: list[dict[str, Any]] = [
        {
            "id": i,
            "name": name,
            "value": values[i],
            "rank": ranks[i],
            "previous_rank": previous[i],
            "change": _change(ranks[i], previous[i], compared=compared),
        }
        for i, name in subjects
    ]
    big = len(subjects) + 1
    rows.sort(key=lambda r: (r["rank"] if r["rank"] is not None else big, order[r["id"]]))
    return rows


def _subjects(scope: Scope, kind: str) -> list[tuple[int, str]]:
    if kind == "departments":
        # The departments based in the area's subtree (a county's 职能部门 at the county).
        rows = Department.objects.filter(
            area__path__startswith=scope.area.path, is_active=True
        ).order_by("name")
        return [(d.pk, d.name) for d in rows.only("id", "name")]
    return [(c["id"], c["name"]) for c in children_for(scope)]


def _measures(scope: Scope, key: str | None) -> list[RankMeasure]:
    held = [m for m in rank_measures.all() if scoping.can(scope.actor, m.perm, scope.area)]
    if key is None or key == "":
        return held
    chosen = [m for m in held if m.key == key]
    if not chosen:
        message = _("Unknown ranking measure.")
        raise ValidationFailed(message, fields={"measure": message})
    return chosen


def measure_out(m: RankMeasure) -> dict[str, Any]:
    """A measure as the API lists it."""
    return {
        "key": m.key,
        "title": str(m.title),
        "unit": str(m.unit),
        "higher_is_better": m.higher_is_better,
        "subjects": m.subjects,
        "formula": str(m.formula),
    }


def rankings_for(scope: Scope, measure: str | None = None) -> list[dict[str, Any]]:
    """The rankings of the scope's area: for each registered measure the viewer may see there
    (or only ``measure``; an unknown key → 400), ``{"measure": key, "rows": [...]}`` (see
    :func:`rank_rows`), the previous period being :func:`previous_period` of the scope's.
    Each measure reads its values in a few statements over the counters (twice: now and the
    period before); the subjects are read once per kind."""
    _require_view(scope)
    before_from, before_to = previous_period(scope.date_from, scope.date_to)
    subjects: dict[str, list[tuple[int, str]]] = {}
    result: list[dict[str, Any]] = []
    with readers.reading():
        return _rankings(scope, measure, before_from, before_to, subjects, result)


def _rankings(
    scope: Scope,
    measure: str | None,
    before_from: date,
    before_to: date,
    subjects: dict[str, list[tuple[int, str]]],
    result: list[dict[str, Any]],
) -> list[dict[str, Any]]:
    for m in _measures(scope, measure):
        if m.subjects not in subjects:
            subjects[m.subjects] = _subjects(scope, m.subjects)
        these = subjects[m.subjects]
        ids = [i for i, _n in these]
        current = m.compute(ids, scope.date_from, scope.date_to) if ids else {}
        before = m.compute(ids, before_from, before_to) if ids and m.period else {}
        rows = rank_rows(
            these, current, before, higher_is_better=m.higher_is_better, compared=m.period
        )
        result.append({"measure": m.key, "rows": rows})
    return result


def measures_for(scope: Scope, measure: str | None = None) -> list[dict[str, Any]]:
    """The measures :func:`rankings_for` ranks by, as the API lists them."""
    return [measure_out(m) for m in _measures(scope, measure)]
