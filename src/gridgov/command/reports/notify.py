"""Notification topics of command-centre reports: "a report I subscribed to is ready".

The scheduler (:mod:`gridgov.command.reports.tasks`) sends one inbox message per subscriber
who may still view the area's statistics, with the link to the report list of that area
(downloads go through the scoped download view).
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gridgov.accounts import scoping
from gridgov.accounts.roles import Perm
from gridgov.notifications import titles, topics
from gridgov.notifications.services import notify

KIND = "command.report_ready"
TITLE = "command.report_ready"

topics.register(
    "reports",
    gettext_lazy("Periodic reports"),
    [KIND],
    help=gettext_lazy("A daily, weekly, monthly, quarterly or yearly report you subscribed to."),
)
titles.register(TITLE, gettext_lazy("%(report)s of %(area)s is ready: %(period)s"))


def report_ready(*, report: Any, recipients: list[Any]) -> int:
    """Tell each of ``recipients`` who may view the report's area that it is ready; return
    how many messages were written. A recipient who still has the unread message of the same
    report is not told twice."""
    from gridgov.command.models.reports import ReportPeriod
    from gridgov.command.reports import periods

    allowed = [u for u in recipients if scoping.can(u, Perm.VIEW_STATS, report.area)]
    if not allowed:
        return 0
    args = {
        "report": str(ReportPeriod(report.period).label),
        "area": report.area.name,
        "period": periods.label(report.period, report.date_from, report.date_to),
    }
    url = f"{reverse('command:reports_list')}?area={report.area_id}&period={report.period}"
    return notify(
        recipients=allowed,
        kind=KIND,
        title=_("%(report)s of %(area)s is ready: %(period)s") % args,
        body=_("Download it as Excel or PDF from the reports page."),
        url=url,
        target=report,
        dedupe_key=f"report:{report.pk}:{report.date_from.isoformat()}",
        title_key=TITLE,
        title_args=args,
    )
