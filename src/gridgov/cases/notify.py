"""Case notifications: who hears about an action, and what the inbox line says.

Called by the lifecycle services inside the action's transaction
(:func:`gridgov.notifications.services.notify` writes the inbox rows there and delivers
external channels on commit). Titles carry the case number and the category, never the
reporter's personal data.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, NamedTuple

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy

from gridgov.accounts.roles import Perm
from gridgov.cases import units
from gridgov.cases.models import Case
from gridgov.core.pii import mask_text
from gridgov.notifications import titles, topics
from gridgov.notifications.services import notify

KIND_PREFIX = "case."
# The one message per person and day that lists the cases that went overdue
# (:mod:`gridgov.cases.digest`).
DIGEST_KIND = "case.overdue_digest"

# What people can switch on and off in their notification settings.
topics.register(
    "case.assigned",
    gettext_lazy("Cases for my unit"),
    ["case.assigned", "case.escalated"],
    help=gettext_lazy("A case dispatched or escalated to your unit, to sign for."),
)
topics.register(
    "case.urged",
    gettext_lazy("Urgings"),
    ["case.urged"],
    help=gettext_lazy("A supervisor urges a case of your unit."),
)
topics.register(
    "case.rework",
    gettext_lazy("Rework and reopened cases"),
    ["case.rework", "case.reopened", "case.delay_decided"],
    help=gettext_lazy("Verification failed, a case reopened, your extension request decided."),
)
topics.register(
    "case.returned",
    gettext_lazy("Returned cases"),
    ["case.returned"],
    help=gettext_lazy("A handling unit returns a case for dispatching again."),
)
topics.register(
    "case.resolved",
    gettext_lazy("Cases to verify"),
    ["case.resolved"],
    help=gettext_lazy("A unit has replied; the case waits for verification."),
)
topics.register(
    "case.delay",
    gettext_lazy("Extension requests"),
    ["case.delay_requested"],
    help=gettext_lazy("A unit asks for more time or a suspension."),
)
topics.register(
    "case.due_soon",
    gettext_lazy("Due soon"),
    ["case.due_soon"],
    help=gettext_lazy("A case of your unit is close to its deadline."),
)
topics.register(
    "case.overdue",
    gettext_lazy("Overdue cases"),
    ["case.sign_overdue", "case.handle_overdue", DIGEST_KIND],
    help=gettext_lazy(
        "Cases of your unit, or dispatched by your office, that passed their deadline."
    ),
    digest=True,
)
topics.register(
    "case.my_reports",
    gettext_lazy("My reports"),
    ["case.accepted", "case.rejected", "case.closed", "case.merged"],
    help=gettext_lazy("Progress of the cases you reported."),
)


# The titles, registered so that each reader sees them in their own language
# (:mod:`gridgov.notifications.titles`).
TITLES: dict[str, Any] = {
    "case.assigned": gettext_lazy("New case to sign for: %(case)s"),
    "case.accepted": gettext_lazy("Your report %(number)s was accepted"),
    "case.rejected": gettext_lazy("Your report %(number)s was not accepted"),
    "case.returned": gettext_lazy("Case returned by the handling unit: %(case)s"),
    "case.escalated.unit": gettext_lazy("Case escalated to your unit: %(case)s"),
    "case.escalated": gettext_lazy("Case escalated: %(case)s"),
    "case.delay_requested": gettext_lazy("Extension requested: %(case)s"),
    "case.delay_approved": gettext_lazy("Request approved: %(case)s"),
    "case.delay_denied": gettext_lazy("Request denied: %(case)s"),
    "case.resolved": gettext_lazy("Case to verify: %(case)s"),
    "case.closed": gettext_lazy("Your report %(number)s has been resolved; please rate it"),
    "case.rework": gettext_lazy("Verification failed, rework needed: %(case)s"),
    "case.urged": gettext_lazy("Case urged: %(case)s"),
    "case.reopened": gettext_lazy("Case reopened, please handle it again: %(case)s"),
    "case.merged": gettext_lazy("Your report %(number)s is handled together with case %(other)s"),
    "case.merged.survivor": gettext_lazy("Another report was merged into your case %(number)s"),
    # Written by the deadline sweep (gridgov.cases.supervision).
    "case.due_soon": gettext_lazy("Due soon: %(case)s"),
    "case.sign_overdue": gettext_lazy("Sign-for overdue: %(case)s"),
    "case.handle_overdue": gettext_lazy("Handling overdue: %(case)s"),
}
for _key, _text in TITLES.items():
    titles.register(_key, _text)


class Title(NamedTuple):
    """A title by its key in :data:`TITLES` and its parameters."""

    key: str
    args: dict[str, Any]

    def __str__(self) -> str:
        return str(TITLES[self.key]) % self.args


def _title(key: str, **args: Any) -> Title:
    return Title(key, args)


def case_url(case: Case) -> str:
    try:
        return reverse("cases:detail", args=[case.pk])
    except NoReverseMatch:
        return f"/cases/{case.pk}/"


def _send(
    case: Case,
    recipients: Iterable[Any],
    kind: str,
    title: Title,
    body: str = "",
    *,
    exclude: Any = None,
    dedupe: bool = False,
) -> int:
    people = [u for u in recipients if exclude is None or u.pk != getattr(exclude, "pk", None)]
    return notify(
        recipients=people,
        kind=KIND_PREFIX + kind,
        title=str(title),
        title_key=title.key,
        title_args=title.args,
        body=mask_text(body),
        url=case_url(case),
        target=case,
        dedupe_key=f"case:{case.pk}:{kind}" if dedupe else "",
    )


def _label(case: Case) -> str:
    """The case in a notification's title: number and title, typed-in phone/ID numbers masked."""
    return f"{case.number} {mask_text(case.title)}"[:120]


def to_unit(case: Case, kind: str, title: Title, body: str = "", *, actor: Any = None) -> int:
    """The people of the case's assigned unit."""
    users = units.unit_users(
        area=case.assigned_area, department=case.assigned_department, perm=Perm.CASE_HANDLE
    )
    return _send(case, users, kind, title, body, exclude=actor)


def to_handler_or_unit(
    case: Case, kind: str, title: Title, body: str = "", *, actor: Any = None
) -> int:
    if case.handler_id is not None and case.handler is not None:
        return _send(case, [case.handler], kind, title, body, exclude=actor)
    return to_unit(case, kind, title, body, actor=actor)


def to_dispatchers(
    case: Case, kind: str, title: Title, body: str = "", *, actor: Any = None
) -> int:
    """The dispatchers of the case's street and county."""
    return _send(
        case,
        units.dispatchers_for(area=None, path=case.area_path),
        kind,
        title,
        body,
        exclude=actor,
    )


def to_reporter(case: Case, kind: str, title: Title, body: str = "", *, actor: Any = None) -> int:
    if case.reporter_id is None or case.reporter is None:
        return 0
    return _send(case, [case.reporter], kind, title, body, exclude=actor)


# --- Messages ---------------------------------------------------------------------------------


def assigned(case: Case, *, actor: Any) -> int:
    return to_unit(case, "assigned", _title("case.assigned", case=_label(case)), actor=actor)


def accepted(case: Case, *, actor: Any) -> int:
    return to_reporter(
        case,
        "accepted",
        _title("case.accepted", number=case.number),
        actor=actor,
    )


def rejected(case: Case, *, actor: Any, reason: str) -> int:
    return to_reporter(
        case,
        "rejected",
        _title("case.rejected", number=case.number),
        reason,
        actor=actor,
    )


def returned(case: Case, *, actor: Any, reason: str) -> int:
    return to_dispatchers(
        case,
        "returned",
        _title("case.returned", case=_label(case)),
        reason,
        actor=actor,
    )


def escalated(case: Case, *, actor: Any, note: str) -> int:
    title = _title("case.escalated.unit", case=_label(case))
    n = to_unit(case, "escalated", title, note, actor=actor)
    n += to_dispatchers(
        case,
        "escalated",
        _title("case.escalated", case=_label(case)),
        note,
        actor=actor,
    )
    return n


def delay_requested(case: Case, *, actor: Any, reason: str) -> int:
    from gridgov.accounts.models import User

    people = units.dispatchers_for(area=None, path=case.area_path).filter(
        pk__in=User.objects.filter(grants__role__in=units.roles_with(Perm.CASE_SUPERVISE)).values(
            "pk"
        )
    )
    return _send(
        case,
        people,
        "delay_requested",
        _title("case.delay_requested", case=_label(case)),
        reason,
        exclude=actor,
    )


def delay_decided(case: Case, *, actor: Any, approved: bool, note: str) -> int:
    title = _title("case.delay_approved" if approved else "case.delay_denied", case=_label(case))
    return to_handler_or_unit(case, "delay_decided", title, note, actor=actor)


def resolved(case: Case, *, actor: Any) -> int:
    from gridgov.accounts.models import User

    people = units.dispatchers_for(area=None, path=case.area_path).filter(
        pk__in=User.objects.filter(grants__role__in=units.roles_with(Perm.CASE_VERIFY)).values("pk")
    )
    return _send(
        case,
        people,
        "resolved",
        _title("case.resolved", case=_label(case)),
        exclude=actor,
    )


def closed(case: Case, *, actor: Any) -> int:
    return to_reporter(
        case,
        "closed",
        _title("case.closed", number=case.number),
        case.reply,
        actor=actor,
    )


def rework(case: Case, *, actor: Any, note: str) -> int:
    return to_handler_or_unit(
        case,
        "rework",
        _title("case.rework", case=_label(case)),
        note,
        actor=actor,
    )


def urged(case: Case, *, actor: Any, message: str) -> int:
    return to_unit(case, "urged", _title("case.urged", case=_label(case)), message, actor=actor)


def reopened(case: Case, *, actor: Any, reason: str) -> int:
    return to_unit(
        case,
        "reopened",
        _title("case.reopened", case=_label(case)),
        reason,
        actor=actor,
    )


def merged(case: Case, survivor: Case, *, actor: Any) -> int:
    """Both reporters hear that the reports are now handled as one case."""
    n = to_reporter(
        case,
        "merged",
        _title("case.merged", number=case.number, other=survivor.number),
        actor=actor,
    )
    n += to_reporter(
        survivor,
        "merged",
        _title("case.merged.survivor", number=survivor.number),
        actor=actor,
    )
    return n
