"""12345 hotline work orders (:mod:`gridgov.cases.importers.hotline`) as an import-job kind:
the web upload returns at once with the job page and the background worker imports."""

from __future__ import annotations

from typing import Any

from gridgov.accounts.roles import Perm
from gridgov.cases.importers import hotline
from gridgov.kernel.imports.registry import Outcome, Run, SheetKind, register

KIND = "hotline"


def _require(actor: Any, area: Any, params: dict[str, Any]) -> None:
    hotline.require_importer(actor)


def _check(data: bytes) -> int:
    if len(data) > hotline.MAX_FILE_BYTES:
        raise hotline.too_large()
    sheet = hotline.open_sheet(data)  # per-file errors (and hostile files) raise here
    try:
        return sheet.estimated_rows
    finally:
        sheet.close()


def _run(job: Run) -> Outcome:
    result = hotline.import_hotline(
        actor=job.actor, data=job.data, mode=job.mode, progress=job.progress
    )
    return Outcome(
        total=result.total,
        created=len(result.created),
        errors=result.failed_rows,
        error_sheet=hotline.error_report(result) if result.errors else None,
        data={
            "existing": result.existing,
            "numbers": [c.number for c in result.created],
            "errors": [
                {"row": e.row, "column": e.column, "reason": e.reason} for e in result.errors
            ],
            "error_total": len(result.errors),
        },
    )


register(
    SheetKind(
        key=KIND,
        label=hotline.SHEET_LABEL,
        perm=Perm.CASE_IMPORT,
        template=hotline.build_template,
        template_name="12345-template.xlsx",
        require=_require,
        check_file=_check,
        run=_run,
        sync_rows=0,  # always the worker (10 000 rows take about 20 s)
        back_url="cases:import",
    )
)
