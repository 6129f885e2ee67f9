"""Roster sheets for Excel import and export: one module per roster (``residents``,
``buildings``, ``tags``), each with its :class:`~gridgov.rosters.excel.common.SheetSpec`
(headers, example row, notes), ``run(ctx, sheet, progress)`` and ``export_rows``.

The generic parts (safe opening, header check, merged cells, formulas, typed cells, template
and error-sheet writers) are in :mod:`gridgov.core.excel`; the job around an import (upload,
background run, progress, audit) in :mod:`gridgov.rosters.services.imports`.
"""

from __future__ import annotations

from collections.abc import Callable

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from gridgov.core.excel import Sheet
from gridgov.rosters.excel import buildings, residents, tags
from gridgov.rosters.excel.common import Context, Outcome, Progress, SheetSpec

Runner = Callable[[Context, Sheet, Progress], Outcome]

SHEETS: dict[str, SheetSpec] = {
    residents.SPEC.kind: residents.SPEC,
    buildings.SPEC.kind: buildings.SPEC,
    tags.SPEC.kind: tags.SPEC,
}
RUNNERS: dict[str, Runner] = {
    residents.SPEC.kind: residents.run,
    buildings.SPEC.kind: buildings.run,
    tags.SPEC.kind: tags.run,
}
LABELS: dict[str, Promise] = {
    "residents": _("Residents and households"),
    "buildings": _("Buildings"),
    "tags": _("Special groups"),
}
