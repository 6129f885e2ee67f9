"""The party-member list (:mod:`gridgov.party.excel`) as an import-job kind: the job belongs to
the area of the organisation imported into (``params["org"]``)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy

from gridgov.accounts import scoping
from gridgov.accounts.roles import Perm
from gridgov.core import excel as core_excel
from gridgov.kernel.imports.registry import Outcome, Run, SheetKind, register
from gridgov.party import excel, selectors
from gridgov.party.models import PartyOrg

KIND = excel.EXPORT_KIND  # "party_members"


def _org(actor: Any, params: dict[str, Any]) -> PartyOrg:
    return selectors.org_get_for(actor=actor, pk=params.get("org"))  # NotFound when not visible


def _area(actor: Any, params: dict[str, Any]) -> Any:
    return _org(actor, params).area


def _require(actor: Any, area: Any, params: dict[str, Any]) -> None:
    if area is None:
        excel.require_importer(actor)
    else:
        scoping.require(actor, Perm.PARTY_MANAGE, area, what="party_member_import")


def _check(data: bytes) -> int:
    sheet = core_excel.Sheet(data, excel.HEADERS)  # per-file errors raise here
    try:
        return sheet.estimated_rows
    finally:
        sheet.close()


def _run(job: Run) -> Outcome:
    org = PartyOrg.objects.select_related("area").get(pk=job.params["org"])
    result = excel.import_members(actor=job.actor, org=org, data=job.data, mode=job.mode)
    return Outcome(
        total=result.total,
        created=result.created,
        updated=result.updated,
        errors=result.failed,
        error_sheet=excel.error_report(result) if result.failed else None,
        data={
            "errors": [
                {"row": e.row, "column": e.column, "reason": e.reason} for e in result.errors
            ],
            "error_total": len(result.errors),
        },
    )


register(
    SheetKind(
        key=KIND,
        label=gettext_lazy("Party members"),
        perm=Perm.PARTY_MANAGE,
        template=excel.build_template,
        template_name="party-members-template.xlsx",
        require=_require,
        check_file=_check,
        run=_run,
        resolve_area=_area,
        sync_rows=2000,  # a branch's list is imported in the request; larger ones by the worker
        back_url="party:member_import",
    )
)
