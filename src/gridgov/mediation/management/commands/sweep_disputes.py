"""``gridgov sweep-disputes``: run the dispute deadline sweep once (the worker runs it every 5
minutes)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from gridgov.mediation.disputes.sweep import sweep


class Command(BaseCommand):
    help = (
        "Mark every dispute whose mediation deadline has passed as overdue, write its OVERDUE "
        "timeline entry and notify the dispatchers and the mediator."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        result = sweep()
        self.stdout.write(
            _("%(overdue)d disputes newly overdue, %(notified)d notifications.") % result.as_dict()
        )
