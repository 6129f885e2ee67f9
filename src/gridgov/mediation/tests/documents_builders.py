"""Small explicit builders for the documents tests: a dispute with parties and a session,
written directly (the flow's services are tested on their own)."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

from django.utils import timezone
from docx import Document

from gridgov.core import pii
from gridgov.mediation.models import (
    Committee,
    Dispute,
    DisputeParty,
    DisputeType,
    MediationRoom,
    MediationSession,
    Mediator,
)


def valid(number17: str) -> str:
    """A GB 11643 ID number: the 17 digits and their check digit."""
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    total = sum(int(d) * w for d, w in zip(number17, weights, strict=True))
    return number17 + "10X98765432"[total % 11]


def party(dispute: Dispute, name: str, role: str, id_number: str, phone: str, address: str) -> Any:
    return DisputeParty.objects.create(
        dispute=dispute,
        role=role,
        name=name,
        address=address,
        **pii.protect(id_number, pii.Kind.ID_NUMBER, name="id_number"),
        **pii.protect(phone, pii.Kind.PHONE, name="phone"),
    )


_seq = {"n": 0}


def dispute(
    area: Any, *, sensitive: bool = False, with_parties: bool = True, **fields: Any
) -> Dispute:
    _seq["n"] += 1
    dtype, _new = DisputeType.objects.get_or_create(code="neighbour", defaults={"name": "邻里纠纷"})
    committee = Committee.objects.create(name="凤鸣社区人民调解委员会", area=area.parent or area)
    room = MediationRoom.objects.create(name="马建才调解室", committee=committee, area=area)
    mediator = Mediator.objects.create(name="马建才", committee=committee, room=room, area=area)
    values: dict[str, Any] = {
        "number": f"TJ2026{_seq['n']:06d}",
        "type": dtype,
        "title": "相邻通行纠纷",
        "summary": "张某在两家之间的通道堆放柴草，\n李某通行受阻，双方多次争吵。",
        "place": "凤鸣社区3号院",
        "source": "walk_in",
        "status": "mediating",
        "area": area,
        "registered_at": timezone.now() - timedelta(days=3),
        "room": room,
        "mediator": mediator,
        "sensitive": sensitive,
        **fields,
    }
    d = Dispute.objects.create(**values)
    if with_parties:
        party(
            d, "张建国", "applicant", valid("11010119900307123"), "13812341234", "凤鸣社区3号院1户"
        )
        party(
            d, "李秀兰", "respondent", valid("11010119850101262"), "13987654321", "凤鸣社区3号院2户"
        )
    return d


def session(
    d: Dispute, *, minutes: str = "双方陈述各自意见，调解员释法说理。", **fields: Any
) -> Any:
    return MediationSession.objects.create(
        dispute=d,
        held_at=fields.pop("held_at", timezone.now() - timedelta(days=1)),
        place=fields.pop("place", "马建才调解室"),
        attendees=fields.pop("attendees", "张建国、李秀兰、马建才"),
        minutes=minutes,
        **fields,
    )


def docx_text(data: bytes) -> str:
    """All the text of a DOCX (paragraphs and table cells), one line per paragraph."""
    doc = Document(io.BytesIO(data))
    lines = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            lines.extend(cell.text for cell in row.cells)
    return "\n".join(lines)
