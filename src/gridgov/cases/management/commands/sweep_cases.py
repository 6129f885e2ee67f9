"""``gridgov sweep-cases``: run the deadline sweep once (the worker runs it every 5 minutes)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from gridgov.cases.supervision import sweep


class Command(BaseCommand):
    help = (
        "Look at every case whose deadline or due-soon mark has come: set the due-soon and "
        "overdue flags, write the OVERDUE timeline entries and notify the units."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        result = sweep()
        self.stdout.write(
            _(
                "Checked %(checked)d cases: %(due_soon)d due soon, %(sign_overdue)d sign-for "
                "overdue, %(handle_overdue)d handling overdue."
            )
            % result.as_dict()
        )
