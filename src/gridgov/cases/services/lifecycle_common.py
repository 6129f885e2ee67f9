"""Shared steps of the lifecycle services (:mod:`.lifecycle`, :mod:`.handling`): text checks,
the guard with the version the actor saw, the sweep's next look (``watch_at``), the fields of an
assignment, photos."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from gridgov.cases import guards
from gridgov.cases.models import Case, CaseEvent
from gridgov.cases.states import (
    TimeUnit,
)
from gridgov.cases.units import Target
from gridgov.core.errors import Conflict, ValidationFailed
from gridgov.workcal.selectors import add_working_time

MAX_TEXT = 2000
MAX_DELAY = {TimeUnit.HOURS.value: 200, TimeUnit.DAYS.value: 60}
REOPEN_POLICIES = ("never", "first", "always")


# --- Helpers ----------------------------------------------------------------------------------


def clean_text(value: str | None, field: str, *, required: bool) -> str:
    text = (value or "").strip()
    if required and not text:
        raise ValidationFailed(
            _("This field is required."), fields={field: _("This field is required.")}
        )
    if len(text) > MAX_TEXT:
        raise ValidationFailed(
            _("The text is too long."),
            fields={field: _("At most %(n)d characters.") % {"n": MAX_TEXT}},
        )
    return text


def guard(case: Case, actor: Any, action: str, version: int | None, now: datetime) -> None:
    if version is not None and case.version != version:
        # The page the actor acted on is older than the case we hold: refuse like the update.
        raise Conflict(
            _(
                "Case %(number)s was changed by someone else since you opened it. "
                "Reload it and try again."
            )
            % {"number": case.number},
            code="stale_version",
        )
    guards.require_action(case=case, user=actor, action=action, now=now)


def set_watch(case: Case, changes: dict[str, Any], action: str, now: datetime) -> None:
    """Add ``watch_at`` (the sweep's next look) and ``deadline_provisional`` for the case as it
    will be after ``action`` (its target state from the table) with ``changes``."""
    from gridgov.cases.services.deadlines import provisional_for
    from gridgov.cases.supervision import next_watch_at
    from gridgov.cases.workflow import CASES

    to_status = CASES.target(action, case)
    future = copy.copy(case)
    for name, value in changes.items():
        setattr(future, name, value)
    if to_status is not None:
        future.status = str(to_status)
    changes["watch_at"] = next_watch_at(case=future, now=now)
    changes["deadline_provisional"] = provisional_for(future)


def assign_changes(case: Case, target: Target, now: datetime) -> dict[str, Any]:
    category = case.category
    return {
        "assigned_area": target.area,
        "assigned_department": target.department,
        "assigned_level": target.level,
        "handler": None,
        "dispatched_at": now,
        "sign_due_at": add_working_time(now, category.sign_limit, category.sign_unit),
        "signed_at": None,
        "handle_due_at": None,
        "sign_overdue": False,
        "handle_overdue": False,
        "due_soon": False,
        "pending_delay": {},
        "suspended_at": None,
    }


def attach(case: Case, event: CaseEvent, photos: Sequence[Any], actor: Any) -> None:
    if not photos:
        return
    from gridgov.cases.photos import attach_photos

    attach_photos(case=case, event=event, files=list(photos), actor=actor)


def now_or(now: datetime | None) -> datetime:
    return now or timezone.now()
