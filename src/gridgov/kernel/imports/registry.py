"""The sheet kinds an import job can run: one registration per kind.

A kind says what its workbook looks like (template download), who may import it and where (the
permission and area rule), how the file is checked at upload (per-file errors: not Excel, wrong
header row, too many rows) and how the rows are parsed, checked and written (:attr:`SheetKind.run`).
The job around it — the upload, idempotency, the background run, progress, the error sheet,
"valid rows" / "all or nothing", audit — is the kernel's (:mod:`gridgov.kernel.imports.services`).

Register in the app's ``imports.py`` module and import that module from
:mod:`gridgov.kernel.imports.kinds`::

    register(SheetKind(key="residents", label=_("Residents"), ...))
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.utils.functional import Promise

from gridgov.core.errors import NotFound

if TYPE_CHECKING:
    from gridgov.areas.models import Area
    from gridgov.kernel.imports.models import ImportJob

MODES = ("valid", "all")


@dataclass
class Outcome:
    """What one run did. Every non-blank row is created, updated or counted in ``errors``
    (its row, column and reason are in ``error_sheet``, the rows as uploaded)."""

    total: int = 0
    created: int = 0
    updated: int = 0
    errors: int = 0
    error_sheet: bytes | None = None
    message: str = ""
    data: dict[str, Any] = field(default_factory=dict)  # stored as ImportJob.result


Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Run:
    """One run of a job as the kind's ``run`` sees it."""

    job: ImportJob
    actor: Any
    mode: str
    area: Area | None
    params: dict[str, Any]
    data: bytes
    progress: Progress


@dataclass(frozen=True)
class SheetKind:
    """One kind of workbook.

    * ``require(actor, area, params)`` — raise :class:`~gridgov.core.errors.PermissionDenied`
      (audited) unless the actor may import this kind at ``area``; ``area`` is what
      ``resolve_area`` found (``None`` for kinds whose rows name their own areas).
    * ``resolve_area(actor, params)`` — the area the job belongs to (e.g. the party
      organisation's), or ``None``; raises :class:`NotFound` for one the actor may not see.
    * ``check_file(data)`` — per-file checks at upload; returns the declared row count.
    * ``run(run)`` — parse, check and write the rows; returns an :class:`Outcome`.
    * ``sync_rows`` — files declaring at most this many rows are imported during the upload
      request (0: always by the background worker).
    """

    key: str
    label: Promise | str
    perm: str  # who may import this kind, and see its jobs (at the job's area, or anywhere)
    template: Callable[[], bytes]
    template_name: str
    require: Callable[[Any, Area | None, dict[str, Any]], None]
    check_file: Callable[[bytes], int]
    run: Callable[[Run], Outcome]
    resolve_area: Callable[[Any, dict[str, Any]], Area | None] = lambda actor, params: None
    sync_rows: int = 0
    back_url: str = ""  # URL name of the kind's import page ("" = none)
    audit_event: str = ""  # an audit Event recorded when a run ends ("" = the kind audits)


_KINDS: dict[str, SheetKind] = {}


def register(kind: SheetKind) -> SheetKind:
    if kind.key in _KINDS and _KINDS[kind.key] is not kind:
        raise ValueError(f"sheet kind {kind.key!r} is registered twice")
    _KINDS[kind.key] = kind
    return kind


def get(key: str) -> SheetKind:
    try:
        return _KINDS[key]
    except KeyError:
        from django.utils.translation import gettext as _

        raise NotFound(_("Unknown kind of import.")) from None


def find(key: str) -> SheetKind | None:
    return _KINDS.get(key)


def all_kinds() -> list[SheetKind]:
    return list(_KINDS.values())
