"""An audit entry's ``detail`` as people read it: translated keys, permission names, yes/no,
lists joined — instead of raw JSON. Unknown keys are shown as they are."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gridgov.accounts.roles import Perm

KEY_LABELS: dict[str, Any] = {
    "fields": gettext_lazy("Fields"),
    "what": gettext_lazy("Action"),
    "perm": gettext_lazy("Permission"),
    "reason": gettext_lazy("Reason"),
    "on": gettext_lazy("Date"),
    "tag_type": gettext_lazy("Special group"),
    "tag": gettext_lazy("Special-group tag"),
    "created": gettext_lazy("Created"),
    "channel": gettext_lazy("Channel"),
    "village_group": gettext_lazy("Villagers' group"),
    "estate": gettext_lazy("Estate"),
    "area": gettext_lazy("Area"),
    "units": gettext_lazy("Units"),
    "unit": gettext_lazy("Unit"),
    "rooms": gettext_lazy("Rooms"),
    "room": gettext_lazy("Room"),
    "role": gettext_lazy("Role"),
    "kind": gettext_lazy("Kind"),
    "job": gettext_lazy("Job"),
    "floors": gettext_lazy("Floors"),
    "community": gettext_lazy("Community"),
    "status": gettext_lazy("Status"),
    "parent": gettext_lazy("Parent"),
    "mode": gettext_lazy("Mode"),
    "level": gettext_lazy("Level"),
    "department": gettext_lazy("Department"),
    "deleted": gettext_lazy("Deleted"),
    "days": gettext_lazy("Days"),
    "cutoff": gettext_lazy("Cut-off"),
    "code": gettext_lazy("Code"),
    "before": gettext_lazy("Before"),
    "after": gettext_lazy("After"),
    "count": gettext_lazy("Count"),
    "unmasked": gettext_lazy("Unmasked"),
    "filters": gettext_lazy("Filters"),
    "import": gettext_lazy("Import"),
    "meeting": gettext_lazy("Meeting"),
    "minutes": gettext_lazy("Minutes"),
    "dual_report": gettext_lazy("Dual report"),
    "resident_linked": gettext_lazy("Resident linked"),
}

# Names of fields and data as they appear in "fields" lists.
FIELD_LABELS: dict[str, Any] = {
    "name": gettext_lazy("Name"),
    "id_number": gettext_lazy("ID number"),
    "phone": gettext_lazy("Phone"),
    "text": gettext_lazy("Typed-in text"),
    "reporter": gettext_lazy("Reporter"),
    "address": gettext_lazy("Address"),
}


def _value(key: str, value: Any) -> str:
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if value is None or value == "":
        return "—"
    if key == "perm" and value in Perm.values:
        return str(Perm(value).label)
    if isinstance(value, list | tuple):
        if key == "fields":
            return "、".join(str(FIELD_LABELS.get(str(v), v)) for v in value)
        return "、".join(_value("", v) for v in value)
    if isinstance(value, dict):
        return "；".join(f"{label}：{text}" for label, text in detail_items(value))
    return str(value)


def detail_items(detail: Any) -> list[tuple[str, str]]:
    """``[(label, value), …]`` of an audit entry's ``detail``, keys in their stored order."""
    if not isinstance(detail, dict):
        return [("", str(detail))] if detail not in (None, "") else []
    return [(str(KEY_LABELS.get(str(k), k)), _value(str(k), v)) for k, v in detail.items()]
