"""mediation: command-centre alert rules (see :mod:`gridgov.command.registry` and
:mod:`gridgov.command.alerts.services`, which runs them every two minutes).

* ``mediation.high_risk`` (red): an open dispute rated red — one range of the index
  ``dispute_risk_status`` (risk, status), oldest first;
* ``mediation.overdue`` (orange): a mediation the deadline sweep marked overdue and whose clock
  still runs (accepted, assigned, mediating) — the index ``dispute_status_path`` by status,
  earliest deadline first.

Each reads at most ``GRIDGOV_ALERT_MAX_HITS`` rows. Titles hold the dispute number and, unless
the dispute is sensitive (family matters), its type — never a party or a free-text title.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gridgov.accounts.roles import Perm
from gridgov.command.alerts.conf import value
from gridgov.command.registry import AlertHit, AlertRule, register_alert_rule
from gridgov.mediation.choices import OPEN_STATES, Risk, Status
from gridgov.mediation.models import Dispute

CLOCK_STATES = (Status.ACCEPTED, Status.ASSIGNED, Status.MEDIATING)
_FIELDS = ("pk", "number", "area_id", "sensitive", "type__name")


def _label(row: dict[str, Any]) -> str:
    return row["number"] if row["sensitive"] else f"{row['number']} {row['type__name']}"


def _url(pk: int) -> str:
    return reverse("mediation:dispute_detail", args=[pk])


def check_high_risk(now: datetime) -> Iterable[AlertHit]:
    rows = (
        Dispute.objects.filter(risk=Risk.RED, status__in=sorted(OPEN_STATES))
        .order_by("registered_at", "pk")
        .values(*_FIELDS)[: value("GRIDGOV_ALERT_MAX_HITS")]
    )
    for row in rows:
        yield AlertHit(
            area_id=row["area_id"],
            fingerprint=f"dispute:{row['pk']}",
            title=_("High-risk dispute: %(dispute)s") % {"dispute": _label(row)},
            level="red",
            detail={"url": _url(row["pk"])},
            item_kind="dispute",
            item_id=row["pk"],
        )


def check_overdue(now: datetime) -> Iterable[AlertHit]:
    rows = (
        Dispute.objects.filter(status__in=CLOCK_STATES, overdue=True)
        .order_by("due_at", "pk")
        .values(*_FIELDS, "due_at")[: value("GRIDGOV_ALERT_MAX_HITS")]
    )
    for row in rows:
        yield AlertHit(
            area_id=row["area_id"],
            fingerprint=f"dispute:{row['pk']}",
            title=_("Mediation overdue: %(dispute)s") % {"dispute": _label(row)},
            level="orange",
            detail={
                "due_at": row["due_at"].isoformat() if row["due_at"] else None,
                "url": _url(row["pk"]),
            },
            item_kind="dispute",
            item_id=row["pk"],
        )


register_alert_rule(
    AlertRule(
        key="mediation.high_risk",
        title=gettext_lazy("High-risk disputes"),
        perm=Perm.MEDIATION_VIEW,
        check=check_high_risk,
        order=50,
    )
)
register_alert_rule(
    AlertRule(
        key="mediation.overdue",
        title=gettext_lazy("Overdue mediations"),
        perm=Perm.MEDIATION_VIEW,
        check=check_overdue,
        order=60,
    )
)
