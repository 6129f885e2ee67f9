from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _on_schedule_entered(sender: Any, years: list[int], **kwargs: Any) -> None:
    """The working-time calendar has new years: the worker recomputes provisional deadlines."""
    from gridgov.cases.tasks import recompute_deadlines

    recompute_deadlines.enqueue(years=[int(y) for y in years])


class CasesConfig(AppConfig):
    name = "gridgov.cases"
    label = "cases"
    verbose_name = _("Cases")

    def ready(self) -> None:
        # Encrypted personal data (key checks, rotation, backups).
        from gridgov.core import keys

        keys.register("cases.Case", encrypted="reporter_phone_enc")

        from gridgov.cases import checkers

        checkers.connect()

        from gridgov.cases import indicators  # noqa: F401  (registers the "cases" counters)
        from gridgov.workcal.signals import schedule_entered

        schedule_entered.connect(_on_schedule_entered, dispatch_uid="cases.recompute_deadlines")
