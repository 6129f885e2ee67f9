"""``gridgov rebuild-case-stats [--from DATE] [--to DATE]``: recompute the maintained case
indicators (CaseStat) from the case timelines and the current stock from the cases, for repair.
Without dates: every day. The same as ``gridgov rebuild-counters --kind cases``."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from gridgov.cases.indicators import check_period
from gridgov.core.errors import DomainError
from gridgov.kernel.counters.rebuild import rebuild


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(_("Not a date (YYYY-MM-DD): %(value)s") % {"value": value}) from exc


class Command(BaseCommand):
    help = (
        "Recompute the case indicator counters (per area and day) from the case timelines. "
        "--from/--to limit the days rebuilt (local dates, inclusive)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--from", dest="date_from", type=_date, default=None)
        parser.add_argument("--to", dest="date_to", type=_date, default=None)

    def handle(
        self, *args: Any, date_from: date | None, date_to: date | None, **options: Any
    ) -> None:
        if date_from is not None and date_to is not None and date_from > date_to:
            try:
                check_period(date_from, date_to)
            except DomainError as exc:
                raise CommandError(exc.message) from exc
        done = rebuild("cases", date_from=date_from, date_to=date_to)
        self.stdout.write(_("Rebuilt %(n)d indicator rows.") % {"n": done["flows"]})
