"""Notification topics of command-centre alerts: a new alert goes to the inbox of the people
who watch its area on the command centre (:func:`gridgov.command.alerts.services.run_rules`)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from gridgov.notifications import titles, topics

KIND = "command.alert"
# One notice instead of many when a run raises more alerts for one person than
# GRIDGOV_ALERT_NOTIFY_MAX.
SUMMARY_KIND = "command.alert_summary"

topics.register(
    "command.alerts",
    gettext_lazy("Command-centre alerts"),
    [KIND, SUMMARY_KIND],
    help=gettext_lazy(
        "Long-overdue cases, repeat complaints, unusual spikes and high-risk disputes in your "
        "jurisdiction."
    ),
)

TITLES = {
    KIND: gettext_lazy("Alert: %(title)s"),
    SUMMARY_KIND: gettext_lazy("%(count)s more new alerts"),
}
for _key, _text in TITLES.items():
    titles.register(_key, _text)
