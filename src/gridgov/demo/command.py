"""The command centre in the demo district: what a 综治中心 has on its first morning.

* the county leader (``leader``) and the county dispatcher (``dispatcher``) subscribe to the
  county's monthly report, the street dispatcher (``street_dispatcher``) to the street's weekly
  one — through :func:`gridgov.command.reports.services.subscription_add`, as themselves;
* last month's county report is generated (Excel and PDF) through
  :func:`~gridgov.command.reports.services.report_generate`, so the reports page has one to open;
* the alert rules run once (:func:`gridgov.command.alerts.services.run_rules`), so the screen
  and the alerts page show the overdue, repeat and high-risk alerts the demo's history holds;
  their inbox notices start read, like the rest of the demo's history (the inbox opens on a
  digest, not a flood); the worker keeps the alerts current every two minutes from then on and
  notices of new ones arrive unread.

While ``gridgov demo`` runs, a new case arrives every 25 s (the live stream's demo trickle,
:mod:`gridgov.command.live.tasks`), so the screen moves.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.utils import timezone

from gridgov.areas.models import Area
from gridgov.notifications.models import Notification

COUNTY = "640110"
STREET = "640110001"  # 凤鸣街道


@dataclass
class CommandResult:
    subscriptions: int = 0
    reports: int = 0
    alerts: int = 0


def build_demo_command() -> CommandResult:
    from gridgov.command.alerts.services import run_rules
    from gridgov.command.reports import periods
    from gridgov.command.reports.services import report_generate, subscription_add

    users = get_user_model().objects
    county = Area.objects.get(code=COUNTY)
    street = Area.objects.get(code=STREET)
    result = CommandResult()
    for username, area, period in (
        ("leader", county, "month"),
        ("dispatcher", county, "month"),
        ("street_dispatcher", street, "week"),
    ):
        subscription_add(actor=users.get(username=username), area=area, period=period)
        result.subscriptions += 1
    today = timezone.localdate()
    last_month = periods.last_finished("month", today)
    report_generate(
        actor=users.get(username="dispatcher"), area=county, period="month", day=last_month[0]
    )
    result.reports += 1
    result.alerts = run_rules().raised
    Notification.objects.filter(kind__startswith="command.alert", read_at__isnull=True).update(
        read_at=timezone.now()
    )
    return result
