"""``gridgov rebuild-counters [--kind KIND] [--from DATE] [--to DATE]``: recompute the
maintained counters of one registered kind (or of every kind) from their fact tables."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from gridgov.kernel.counters.rebuild import rebuild
from gridgov.kernel.counters.registry import UnknownKind, get, kinds


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(_("Not a date (YYYY-MM-DD): %(value)s") % {"value": value}) from exc


class Command(BaseCommand):
    help = (
        "Recompute the maintained counters (flows per area and day, stock per area) of a kind "
        "from its fact tables. --from/--to limit the days of the flows rebuilt."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--kind", default=None)
        parser.add_argument("--from", dest="date_from", type=_date, default=None)
        parser.add_argument("--to", dest="date_to", type=_date, default=None)

    def handle(
        self,
        *args: Any,
        kind: str | None,
        date_from: date | None,
        date_to: date | None,
        **options: Any,
    ) -> None:
        if date_from is not None and date_to is not None and date_from > date_to:
            raise CommandError(_("The period must not end before it starts."))
        try:
            names = [get(kind).name] if kind else [k.name for k in kinds()]
        except UnknownKind as exc:
            raise CommandError(_("No such counter kind: %(kind)s") % {"kind": kind}) from exc
        for name in names:
            done = rebuild(name, date_from=date_from, date_to=date_to)
            self.stdout.write(
                _("%(kind)s: rebuilt %(flows)d flow rows and %(stock)d stock rows.")
                % {"kind": name, "flows": done["flows"], "stock": done["stock"]}
            )
