"""Timelines of governed work: one abstract entry model and its one rendering.

:class:`TimelineEntry` is the shape every module's timeline shares (cases' ``CaseEvent``,
mediation's entries …): who acted (the account, and a snapshot of their name — ``"system"``
for the sweeps, ``"12345"`` for the hotline import …), the action, the state before and after
(``from_status``/``to_status``, the same name in every module), a note, the action's facts
(``data``) and when. A subclass adds the foreign key to its object and the ``choices`` of its
actions and states. Entries are append-only: written by
:mod:`gridgov.kernel.workflow` and never changed.

:func:`present_timeline` turns entries into :class:`TimelineRow` objects: the one rendering
both the web page (the ``kernel/timeline.html`` include) and the API (:meth:`TimelineRow.as_api`)
use — who acted as shown to staff, the unit an assignment went to, the reason, what the
reporter was told, the labels of the action and states, and the entry's attachments.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gridgov.core.pii import mask_text


class TimelineEntry(models.Model):
    """One entry of an object's append-only timeline (abstract)."""

    at = models.DateTimeField(gettext_lazy("time"))
    action = models.CharField(gettext_lazy("action"), max_length=20)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=gettext_lazy("actor"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    # Snapshot of who acted ("system" for the sweep, "12345" for imports …).
    actor_name = models.CharField(gettext_lazy("actor name"), max_length=150, blank=True)
    from_status = models.CharField(gettext_lazy("from"), max_length=20, blank=True)
    to_status = models.CharField(gettext_lazy("to"), max_length=20, blank=True)
    note = models.TextField(gettext_lazy("note"), blank=True)
    # Action-specific facts: {"to_area": id, "to_department": id, "reason": …, "rating": …}.
    data = models.JSONField(gettext_lazy("detail"), default=dict, blank=True)

    class Meta:
        abstract = True
        ordering = ["at", "id"]

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise TypeError("A timeline is append-only.")
        super().save(*args, **kwargs)


def _label(entry: Any, name: str) -> str:
    getter = getattr(entry, f"get_{name}_display", None)
    return str(getter()) if getter is not None else str(getattr(entry, name, ""))


@dataclass
class TimelineRow:
    """One entry as shown (web) and answered (API)."""

    event: Any
    who: str
    to_unit: str = ""
    reason: str = ""
    public: str = ""  # what the reporter was told (e.g. a rejection's explanation)
    photos: list[Any] = field(default_factory=list)  # attachments shown with the entry
    attachments: list[Any] = field(default_factory=list)  # all of the entry's attachments

    # The web templates read rows like dicts (row.who, row["event"] …).
    def __getitem__(self, key: str) -> Any:
        return getattr(self, key)

    def get(self, key: str, default: Any = None) -> Any:
        return getattr(self, key, default)

    @property
    def at(self) -> datetime:
        return self.event.at

    @property
    def action(self) -> str:
        return str(self.event.action)

    @property
    def action_label(self) -> str:
        return _label(self.event, "action")

    @property
    def state_change(self) -> tuple[str, str] | None:
        """(from, to) labels when the entry changed the state."""
        e = self.event
        if e.from_status and e.to_status and e.from_status != e.to_status:
            return _label(e, "from_status"), _label(e, "to_status")
        return None

    @property
    def text(self) -> str:
        """The text shown under the entry: what the reporter was told, else the note, else
        the reason (unmasked: the page masks it through the ``pii`` tag)."""
        return str(self.public or self.event.note or self.reason or "")

    def as_api(self) -> dict[str, Any]:
        """The API's ``EventOut``: typed-in phone and ID numbers masked."""
        e = self.event
        data = e.data if isinstance(e.data, dict) else {}
        return {
            "id": e.pk,
            "at": e.at,
            "action": str(e.action),
            "action_label": self.action_label,
            "actor_name": e.actor_name,
            "who": self.who,
            "to_unit": self.to_unit,
            "from_status": e.from_status,
            "to_status": e.to_status,
            "note": mask_text(e.note),
            "data": {k: mask_text(v) if isinstance(v, str) else v for k, v in data.items()},
            "attachments": list(self.attachments),
        }


def _ref(entry: Any, key: str) -> int | None:
    value = entry.data.get(key) if isinstance(entry.data, dict) else None
    return value if isinstance(value, int) else None


def present_timeline(
    entries: Iterable[Any],
    *,
    reporter_id: int | None = None,
    actor_label: Callable[[str], str] = str,
    attachments: Callable[[Any], list[Any]] | None = None,
    photos: Callable[[Any], list[Any]] | None = None,
) -> list[TimelineRow]:
    """The rows of ``entries`` (oldest first, as given).

    ``reporter_id``: the account shown as "Reporter"; ``actor_label`` names actors who are no
    person from the entry's ``actor_name`` (``"system"`` → 系统 …); ``attachments`` gives an
    entry's attachments, ``photos`` those shown with it (default: the same).
    """
    from gridgov.accounts.models import Department
    from gridgov.areas.models import Area

    events = list(entries)
    area_ids = {i for e in events if (i := _ref(e, "to_area")) is not None}
    dept_ids = {i for e in events if (i := _ref(e, "to_department")) is not None}
    area_names = dict(Area.objects.filter(pk__in=area_ids).values_list("pk", "name"))
    dept_names = dict(Department.objects.filter(pk__in=dept_ids).values_list("pk", "name"))
    rows = []
    for e in events:
        data = e.data if isinstance(e.data, dict) else {}
        if e.actor_id is not None and reporter_id is not None and e.actor_id == reporter_id:
            who = _("Reporter")
        elif e.actor_id is not None and e.actor is not None:
            who = str(e.actor)
        else:
            who = actor_label(e.actor_name)
        to_area, to_dept = _ref(e, "to_area"), _ref(e, "to_department")
        files = attachments(e) if attachments is not None else []
        rows.append(
            TimelineRow(
                event=e,
                who=who,
                to_unit=(area_names.get(to_area) if to_area else None)
                or (dept_names.get(to_dept) if to_dept else None)
                or "",
                reason=str(data.get("reason", "")) if not e.note else "",
                public=str(data.get("public", "") or ""),
                attachments=files,
                photos=photos(e) if photos is not None else files,
            )
        )
    return rows
