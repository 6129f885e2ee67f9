"""The administrators' inbox message about a year without an official schedule.

Sent once per year and administrator (every active user holding ``config.manage``, and
superusers), by the daily job from December on (:mod:`gridgov.workcal.tasks`) and on first
use, i.e. when a case's deadline is first counted over such a year
(:func:`note_provisional_use`). An administrator who has the message (read or not) does not get
it again; one who joins later gets it at the next check.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _

from gridgov.accounts.models import RoleGrant, User
from gridgov.accounts.roles import ROLE_PERMS, Perm
from gridgov.notifications.models import Notification
from gridgov.notifications.services import notify
from gridgov.workcal.models import CalendarRevision, CalendarYear

KIND = "calendar.missing_year"

# Years this process has already checked since it started (a cheap guard for first use).
_checked: set[int] = set()


def dedupe_key(year: int) -> str:
    return f"{KIND}:{year}"


def calendar_admins() -> QuerySet[User]:
    roles = [role for role, perms in ROLE_PERMS.items() if Perm.MANAGE_CONFIG in perms]
    grants = RoleGrant.objects.filter(role__in=roles, area__is_active=True)
    return User.objects.filter(
        Q(pk__in=grants.values("user_id")) | Q(is_superuser=True), is_active=True
    ).order_by("pk")


def notify_missing_years(years: Iterable[int]) -> int:
    """Put the message for each of ``years`` that still has no schedule into the inbox of
    every administrator who has not had it; return how many messages were written."""
    sent = 0
    for year in sorted(set(years)):
        with transaction.atomic():
            # One writer at a time, so two processes never both send the same year.
            list(CalendarRevision.objects.select_for_update().filter(pk=1))
            if CalendarYear.objects.filter(year=year).exists():
                continue
            had = Notification.objects.filter(kind=KIND, dedupe_key=dedupe_key(year)).values(
                "recipient_id"
            )
            recipients = list(calendar_admins().exclude(pk__in=had))
            sent += notify(
                recipients=recipients,
                kind=KIND,
                title=_("The %(year)d holiday schedule has not been entered") % {"year": year},
                body=_(
                    "Deadlines that reach into %(year)d are counted on the statutory holidays "
                    "(元旦, 春节, 清明节, 劳动节, 端午节, 中秋节, 国庆节, with days given back for "
                    "those on a weekend) without make-up workdays, and are marked provisional. "
                    "When the State Council publishes the %(year)d schedule, enter it on the "
                    "working-time calendar page; the provisional deadlines of open cases are "
                    "then recomputed."
                )
                % {"year": year},
                url=reverse("workcal:edit", args=[year]),
                dedupe_key=dedupe_key(year),
            )
    return sent


def note_provisional_use(years: Iterable[int]) -> None:
    """A deadline was counted over ``years`` without a schedule: after the commit, send the
    message for those this process has not checked yet."""
    new = set(years) - _checked
    if not new:
        return

    def _send() -> None:
        notify_missing_years(new)
        _checked.update(new)

    transaction.on_commit(_send, robust=True)
