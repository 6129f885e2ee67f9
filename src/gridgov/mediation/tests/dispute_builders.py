"""Small explicit builders for the mediation tests."""

from __future__ import annotations

from datetime import date
from typing import Any

from gridgov.mediation.disputes.services import PartyIn, dispute_register
from gridgov.mediation.models import DisputeType, MediationRoom, Mediator
from gridgov.rosters.tests.builders import valid_id


def dispute_type(code: str = "neighbour", **fields: Any) -> DisputeType:
    defaults = {"name": "邻里纠纷", "deadline_days": 30}
    defaults.update(fields)
    obj, _new = DisputeType.objects.get_or_create(code=code, defaults=defaults)
    return obj


def two_parties() -> list[PartyIn]:
    return [
        PartyIn(name="张三", id_number=valid_id(date(1980, 1, 2)), phone="13812341234"),
        PartyIn(name="李四", role="respondent", phone="0951-5012345"),
    ]


def register(area: Any, *, actor: Any = None, **fields: Any) -> Any:
    values: dict[str, Any] = {
        "type": dispute_type(),
        "title": "楼上漏水纠纷",
        "source": "walk_in",
        "parties": two_parties(),
    }
    values.update(fields)
    return dispute_register(actor=actor, area=area, **values)


def mediator(area: Any, user: Any = None, *, name: str = "马建才") -> Mediator:
    room = MediationRoom.objects.create(name=f"{name}调解室", area=area)
    return Mediator.objects.create(name=name, area=area, user=user, room=room)
