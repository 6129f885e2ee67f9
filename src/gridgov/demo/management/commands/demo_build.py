"""``gridgov demo-build [--grids N] [--seed S]``: build the demo district (or a benchmark-sized
one) unless it already exists. ``gridgov demo`` runs this on first start."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from gridgov.core.errors import DomainError
from gridgov.demo.generator import (
    BULK_THRESHOLD,
    DEFAULT_GRIDS,
    DEFAULT_SEED,
    DEMO_COUNTY_CODE,
    DEMO_PASSWORD,
    build_demo,
    demo_accounts,
    demo_exists,
)


class Command(BaseCommand):
    help = "Build the deterministic demo district (凤城区 640110) with its grids and accounts."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--grids",
            type=int,
            default=DEFAULT_GRIDS,
            help=f"number of grids (default {DEFAULT_GRIDS}; e.g. 20000 for benchmarks)",
        )
        parser.add_argument(
            "--seed", type=int, default=DEFAULT_SEED, help=f"random seed (default {DEFAULT_SEED})"
        )
        parser.add_argument(
            "--cases",
            type=int,
            default=0,
            help="demo cases to report and move along through the case services (default 0)",
        )
        bulk = parser.add_mutually_exclusive_group()
        bulk.add_argument(
            "--bulk",
            dest="bulk",
            action="store_true",
            default=None,
            help=f"insert rows in bulk (default above {BULK_THRESHOLD} grids)",
        )
        bulk.add_argument(
            "--no-bulk", dest="bulk", action="store_false", help="create every row via the services"
        )

    def handle(
        self, *args: Any, grids: int, seed: int, bulk: bool | None, cases: int, **options: Any
    ) -> None:
        if grids < 1:
            raise CommandError(_("--grids must be at least 1."))
        if demo_exists():
            self.stdout.write(
                _("The demo district (%(code)s) already exists; nothing to do.")
                % {"code": DEMO_COUNTY_CODE}
            )
            return
        verbose = options.get("verbosity", 1) >= 1
        started = time.monotonic()
        try:
            result = build_demo(
                grids=grids,
                seed=seed,
                bulk=bulk,
                cases=cases,
                progress=(lambda msg: self.stdout.write(f"  {msg}")) if verbose else None,
            )
        except (DomainError, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            _("Built %(areas)d areas (%(grids)d grids) and %(users)d accounts in %(secs).0f s.")
            % {
                "areas": result.areas,
                "grids": result.grids,
                "users": result.users,
                "secs": time.monotonic() - started,
            }
        )
        if verbose:
            self.stdout.write(_("Demo accounts (password: %(pw)s):") % {"pw": DEMO_PASSWORD})
            for a in demo_accounts():
                self.stdout.write(f"  {a.username:<18} {a.role_label} — {a.area_name}")
