from gridgov.command.models.alerts import Alert
from gridgov.command.models.reports import Report, ReportSubscription

__all__ = ["Alert", "Report", "ReportSubscription"]
