"""What every roster sheet shares: the grid column, code-list columns, the run context and the
outcome counts."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from gridgov.accounts import scoping
from gridgov.accounts.roles import Perm
from gridgov.areas.codes import Level
from gridgov.areas.models import Area
from gridgov.core.excel import SheetRow, text

BATCH = 1000
GRID_LEVELS = (Level.GRID, Level.MICRO_GRID)

Progress = Callable[[int, int], None]  # (rows done, rows in all)


@dataclass(frozen=True)
class SheetSpec:
    kind: str
    title: str  # the worksheet's (Chinese) name
    headers: tuple[str, ...]
    example: tuple[Any, ...]
    notes: tuple[str, ...]
    text_columns: tuple[str, ...] = ()


@dataclass
class Outcome:
    """What an import did: every non-blank row is created, updated or in error."""

    rows: list[SheetRow] = field(default_factory=list)
    created: int = 0
    updated: int = 0

    @property
    def errors(self) -> int:
        return sum(1 for r in self.rows if r.errors)

    @property
    def total(self) -> int:
        return len(self.rows)


class Context:
    """One import run: the actor, the mode, and cached look-ups (areas, jurisdiction)."""

    def __init__(self, *, actor: Any, mode: str, job_id: int | None = None) -> None:
        self.actor = actor
        self.mode = mode
        self.job_id = job_id
        self.today: date = timezone.localdate()
        self._areas: dict[str, Area | None] = {}
        self._paths = (
            None
            if scoping.is_global(actor)
            else scoping.jurisdiction_paths(actor, Perm.ROSTER_EDIT)
        )
        self._sensitive = (
            None
            if scoping.is_global(actor)
            else scoping.jurisdiction_paths(actor, Perm.ROSTER_SENSITIVE)
        )

    def may_edit(self, area_path: str) -> bool:
        if self._paths is None:
            return True
        return any(area_path.startswith(p) for p in self._paths)

    def may_see_sensitive(self, area_path: str) -> bool:
        if self._sensitive is None:
            return True
        return any(area_path.startswith(p) for p in self._sensitive)

    def grid(self, row: SheetRow, column: str, value: Any) -> Area | None:
        """The grid named by its code in ``value``: known, active, a grid or micro-grid, and
        within the actor's ROSTER_EDIT jurisdiction — else a row error and ``None``."""
        code = text(value)
        if not code:
            row.error(column, _("Required."))
            return None
        if code not in self._areas:
            self._areas[code] = Area.objects.filter(code=code, is_active=True).first()
        area = self._areas[code]
        if area is None:
            row.error(column, _("Unknown grid code “%(code)s”.") % {"code": code[:32]})
            return None
        if area.level not in GRID_LEVELS:
            row.error(column, _("“%(code)s” is not a grid or micro-grid.") % {"code": code[:32]})
            return None
        if not self.may_edit(area.path):
            row.error(column, _("This grid is outside your jurisdiction."))
            return None
        return area


def required_text(row: SheetRow, column: str, value: Any, limit: int) -> str:
    s = text(value)
    if not s:
        row.error(column, _("Required."))
    elif len(s) > limit:
        row.error(column, _("At most %(n)d characters.") % {"n": limit})
        return ""
    return s


def optional_text(row: SheetRow, column: str, value: Any, limit: int) -> str:
    s = text(value)
    if len(s) > limit:
        row.error(column, _("At most %(n)d characters.") % {"n": limit})
        return ""
    return s


_INDEXES: dict[int, dict[str, str]] = {}


def _index(table: dict[str, str] | list[tuple[str, str]]) -> dict[str, str]:
    """Code or Chinese name → code (as :func:`gridgov.rosters.codes.lookup`, in one step)."""
    found = _INDEXES.get(id(table))
    if found is None:
        items = table.items() if isinstance(table, dict) else table
        found = {name: code for code, name in items} | {code: code for code, _n in items}
        _INDEXES[id(table)] = found
    return found


def choice(
    row: SheetRow,
    column: str,
    value: Any,
    table: dict[str, str] | list[tuple[str, str]],
    *,
    default: str | None = None,
) -> str:
    """A code-list column: the code or the Chinese name; blank → ``default`` (or required)."""
    s = text(value)
    if not s:
        if default is None:
            row.error(column, _("Required."))
            return ""
        return default
    code = _index(table).get(s)
    if code is None:
        names = [n for _c, n in (table.items() if isinstance(table, dict) else table)]
        shown = "、".join(names[:8]) + ("…" if len(names) > 8 else "")
        row.error(column, _("Not one of: %(names)s.") % {"names": shown})
        return ""
    return code
