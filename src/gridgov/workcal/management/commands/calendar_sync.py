"""``gridgov calendar-sync``: seed or update the working-time calendar from the installed
``chinesecalendar`` package (years an administrator entered are left alone), then report the
years needed soon that still have no schedule."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from gridgov.core.errors import DomainError
from gridgov.workcal.package import package_version
from gridgov.workcal.selectors import missing_years
from gridgov.workcal.services import calendar_sync_from_package


def _years(years: list[int]) -> str:
    return ", ".join(str(y) for y in years) or "—"


class Command(BaseCommand):
    help = (
        "Seed or update the working-time calendar from the installed chinesecalendar package. "
        "Years entered by an administrator are never overwritten."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--ahead-days",
            type=int,
            default=60,
            help="report years without a schedule from today to this many days ahead",
        )

    def handle(self, *args: Any, ahead_days: int, **options: Any) -> None:
        try:
            result = calendar_sync_from_package(actor=None)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(
            _("Synchronised with chinesecalendar %(version)s.") % {"version": package_version()}
        )
        self.stdout.write("  " + _("Created: %(years)s") % {"years": _years(result.created)})
        self.stdout.write("  " + _("Updated: %(years)s") % {"years": _years(result.updated)})
        self.stdout.write(
            "  "
            + _("Entered by an administrator, left alone: %(years)s")
            % {"years": _years(result.skipped_manual)}
        )
        missing = missing_years(ahead_days=ahead_days)
        if missing:
            self.stderr.write(
                _(
                    "Warning: no official schedule for %(years)s. Enter it on the calendar "
                    "page when the State Council publishes it."
                )
                % {"years": _years(missing)}
            )
