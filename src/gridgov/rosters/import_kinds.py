"""The roster workbooks (residents, buildings, special groups) as import-job kinds."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from gridgov.accounts.roles import Perm
from gridgov.audit.models import Event
from gridgov.core import excel
from gridgov.kernel.imports.registry import Outcome, Run, SheetKind, register
from gridgov.rosters.excel import LABELS, RUNNERS, SHEETS
from gridgov.rosters.excel.common import Context


def _require(actor: Any, area: Any, params: dict[str, Any]) -> None:
    from gridgov.rosters.services.imports import require_importer

    require_importer(actor)


def _check(kind: str) -> Callable[[bytes], int]:
    def check(data: bytes) -> int:
        sheet = excel.Sheet(data, SHEETS[kind].headers)  # per-file errors raise here
        try:
            return sheet.estimated_rows
        finally:
            sheet.close()

    return check


def _run(kind: str) -> Callable[[Run], Outcome]:
    def run(job: Run) -> Outcome:
        spec = SHEETS[kind]
        ctx = Context(actor=job.actor, mode=job.mode, job_id=job.job.pk)
        sheet = excel.Sheet(job.data, spec.headers)
        try:
            done = RUNNERS[kind](ctx, sheet, job.progress)
        finally:
            sheet.close()
        return Outcome(
            total=done.total,
            created=done.created,
            updated=done.updated,
            errors=done.errors,
            error_sheet=(
                excel.error_sheet(title=spec.title, headers=spec.headers, rows=done.rows)
                if done.errors
                else None
            ),
        )

    return run


def _template(kind: str) -> Callable[[], bytes]:
    def template() -> bytes:
        from gridgov.rosters.services.imports import template_bytes

        return template_bytes(kind)

    return template


for _kind in SHEETS:
    register(
        SheetKind(
            key=_kind,
            label=LABELS[_kind],
            perm=Perm.ROSTER_EDIT,
            template=_template(_kind),
            template_name=f"template-{_kind}.xlsx",
            require=_require,
            check_file=_check(_kind),
            run=_run(_kind),
            sync_rows=2000,
            back_url="rosters:import",
            audit_event=Event.ROSTER_IMPORTED,
        )
    )
