"""/api/v1/cases/{id}/unmask: a case's typed-in personal data in clear, with a reason, audited."""

from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.responses import codes_4xx

from gridgov.areas.api import ErrorOut
from gridgov.cases import selectors
from gridgov.cases.services import privacy as case_privacy
from gridgov.cases.services.intake import reporter_phone
from gridgov.core.params import DbId

router = Router()

CASES = ["cases"]


class CaseUnmaskIn(Schema):
    reason: str = Field("", max_length=200, description="Why you need the data (audited)")


class NoteClear(Schema):
    id: DbId
    note: str
    data: dict[str, Any]


class CaseClear(Schema):
    """A case's typed-in texts and the reporter's contact in clear (after an audited unmask)."""

    title: str
    description: str
    address: str
    reply: str
    rating_comment: str
    reporter_name: str
    reporter_phone: str
    events: list[NoteClear]


@router.post("/{int:case_id}/unmask", response={200: CaseClear, codes_4xx: ErrorOut}, tags=CASES)
def case_unmask(request: HttpRequest, case_id: int, payload: CaseUnmaskIn) -> dict[str, Any]:
    """The case's typed-in texts, timeline notes and the reporter's name and phone in clear.
    Needs roster.unmask (Show and export personal data unmasked) at the case's area and a
    `reason` (400 `reason_required`); every call is written to the audit log."""
    actor = getattr(request, "auth", None)
    case = selectors.case_get_for(actor=actor, pk=case_id)
    case_privacy.case_unmask(actor=actor, case=case, reason=payload.reason)
    anonymous = case.anonymous
    return {
        "title": case.title,
        "description": case.description,
        "address": case.address,
        "reply": case.reply,
        "rating_comment": case.rating_comment,
        "reporter_name": "" if anonymous else case.reporter_name,
        "reporter_phone": "" if anonymous else reporter_phone(case),
        "events": [
            {"id": e.pk, "note": e.note, "data": e.data if isinstance(e.data, dict) else {}}
            for e in selectors.case_timeline(case=case)
            if e.note or e.data
        ],
    }
