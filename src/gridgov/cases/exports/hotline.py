"""办理结果回传: the handled 12345 work orders, back in the hotline platform's layout.

One row per imported work order (source ``HOTLINE`` with its 工单编号) that reached an end in
the chosen date range — 办结 (closed or rated; the date is ``closed_at``), 不予受理 (rejected) or
并单 (merged; the date is that timeline entry's) — among the cases in the viewer's jurisdiction
for ``case.import``. Columns: :data:`HEADERS`.

No citizen's name, phone or ID number is exported (the platform has them). Free text (the reply,
the rejection reason) is masked — ID, phone numbers and e-mail addresses typed into it — unless
the export is asked unmasked with a reason by a viewer holding ``roster.unmask``, and then only
for the cases in that permission's jurisdiction. Every export writes a
``PERSONAL_DATA_EXPORTED`` audit entry (count, date range, masked or not, the reason).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import F, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from gridgov.accounts import scoping
from gridgov.accounts.roles import Perm
from gridgov.cases.importers.hotline import require_importer
from gridgov.cases.models import Case, CaseEvent
from gridgov.cases.states import Action, Rating, Source, Status
from gridgov.core import excel, pii
from gridgov.core.errors import ValidationFailed
from gridgov.core.pii import mask_text

COL_ID = "工单编号"
COL_NUMBER = "平台案件编号"
COL_RESULT = "办理结果"
COL_REPLY = "答复内容"
COL_UNIT = "办理单位"
COL_CALLED = "来电时间"
COL_ACCEPTED = "受理时间"
COL_DISPATCHED = "派单时间"
COL_DONE = "办结时间"
COL_RATING = "满意度"
HEADERS = [
    COL_ID,
    COL_NUMBER,
    COL_RESULT,
    COL_REPLY,
    COL_UNIT,
    COL_CALLED,
    COL_ACCEPTED,
    COL_DISPATCHED,
    COL_DONE,
    COL_RATING,
]
SHEET_TITLE = "办理结果"
EXPORT_KIND = "hotline_results"
MAX_DAYS = 366

RESULT_TEXT: dict[str, str] = {
    Status.CLOSED: "办结",
    Status.RATED: "办结",
    Status.REJECTED: "不予受理",
    Status.MERGED: "并单",
}
RATING_TEXT: dict[str, str] = {
    Rating.SATISFIED: "满意",
    Rating.BASIC: "基本满意",
    Rating.UNSATISFIED: "不满意",
}
_ENDING_ACTIONS = (Action.REJECT, Action.MERGE)


@dataclass(frozen=True)
class Export:
    data: bytes
    count: int
    filename: str


def _fail(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, fields={field: message})


def check_range(date_from: date | None, date_to: date | None) -> tuple[datetime, datetime]:
    """The aware [start, end) of the inclusive local date range; ValidationFailed when a date
    is missing, the range is reversed or longer than :data:`MAX_DAYS` days."""
    if date_from is None:
        raise _fail("date_from", _("Enter the first day."))
    if date_to is None:
        raise _fail("date_to", _("Enter the last day."))
    if date_to < date_from:
        raise _fail("date_to", _("The last day is before the first day."))
    if (date_to - date_from).days >= MAX_DAYS:
        raise _fail("date_to", _("At most %(n)d days at a time.") % {"n": MAX_DAYS})
    start = timezone.make_aware(datetime.combine(date_from, time.min))
    end = timezone.make_aware(datetime.combine(date_to + timedelta(days=1), time.min))
    return start, end


def handled_orders(*, actor: Any, start: datetime, end: datetime) -> QuerySet[Case]:
    """The work orders of the export (see the module text), scoped to the actor's
    ``case.import`` jurisdiction, in the order they ended."""
    ending = CaseEvent.objects.filter(case=OuterRef("pk"), action__in=_ENDING_ACTIONS).order_by(
        "-at", "-id"
    )
    qs = (
        Case.objects.filter(source=Source.HOTLINE)
        .exclude(external_id="")
        .filter(status__in=list(RESULT_TEXT))
        .annotate(
            ended_at=Coalesce(F("closed_at"), Subquery(ending.values("at")[:1])),
            end_note=Subquery(ending.values("note")[:1]),
        )
        .filter(ended_at__gte=start, ended_at__lt=end)
        .select_related("assigned_area", "assigned_department", "merged_into")
        .order_by("ended_at", "id")
    )
    return scoping.scope(qs, actor, Perm.CASE_IMPORT, path_field="area_path")


def _local(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return timezone.localtime(moment).replace(tzinfo=None, microsecond=0)


def _reply(case: Any) -> str:
    if case.status == Status.REJECTED:
        return str(case.end_note or "")
    if case.status == Status.MERGED:
        into = case.merged_into.number if case.merged_into_id else ""
        text = _("Handled together with case %(number)s.") % {"number": into}
        return f"{text}{case.end_note or ''}"
    return case.reply


def _unit(case: Case) -> str:
    if case.assigned_department_id:
        return case.assigned_department.name  # type: ignore[union-attr]
    if case.assigned_area_id:
        return case.assigned_area.name  # type: ignore[union-attr]
    return ""


def _rows(actor: Any, qs: QuerySet[Case], unmasked: bool) -> Iterator[list[Any]]:
    for case in qs.iterator(chunk_size=1000):
        reply = _reply(case)
        if not (unmasked and pii.can_unmask(actor, case.area_path)):
            reply = mask_text(reply)
        yield [
            case.external_id,
            case.number,
            RESULT_TEXT.get(case.status, ""),
            reply,
            _unit(case),
            _local(case.reported_at),
            _local(case.accepted_at),
            _local(case.dispatched_at),
            _local(case.ended_at),  # type: ignore[attr-defined]
            RATING_TEXT.get(case.rating, ""),
        ]


def export_results(
    *,
    actor: Any,
    date_from: date | None,
    date_to: date | None,
    unmasked: bool = False,
    reason: str = "",
) -> Export:
    """The 办理结果回传 workbook of the work orders that ended between ``date_from`` and
    ``date_to`` (inclusive, local dates). Needs ``case.import``; an unmasked export needs
    ``roster.unmask`` and a reason (refusals are audited)."""
    require_importer(actor)
    start, end = check_range(date_from, date_to)
    assert date_from is not None and date_to is not None
    qs = handled_orders(actor=actor, start=start, end=end)
    count = qs.count()
    pii.record_export(
        actor=actor,
        kind=EXPORT_KIND,
        count=count,
        unmasked=unmasked,
        reason=reason,
        filters={"date_from": date_from.isoformat(), "date_to": date_to.isoformat()},
    )
    data = excel.write_rows(
        title=SHEET_TITLE, headers=HEADERS, rows=_rows(actor, qs, unmasked), text_columns=()
    )
    filename = f"12345-results-{date_from:%Y%m%d}-{date_to:%Y%m%d}.xlsx"
    return Export(data=data, count=count, filename=filename)
