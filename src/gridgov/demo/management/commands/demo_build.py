"""``gridgov demo-build [--grids N] [--seed S] [--cases N] [--areas-only]``: build the demo
district unless it already exists — the same full demo that ``gridgov demo`` builds on first
start (areas, accounts, rosters, party data, cases walked along their lifecycle and the demo
roles' waiting work), scaled to ``--grids``; ``--areas-only`` builds just the area tree and
the accounts (for benchmark-sized trees)."""

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
    DEMO_CASES,
    DEMO_COUNTY_CODE,
    DEMO_PASSWORD,
    build_demo,
    default_cases,
    demo_accounts,
    demo_exists,
)


class Command(BaseCommand):
    help = (
        "Build the deterministic demo district (凤城区 640110): areas, accounts, rosters, party "
        "data and cases, scaled to --grids (or only areas and accounts with --areas-only)."
    )

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
            default=None,
            help=f"demo cases to report and move along through the case services (default "
            f"{DEMO_CASES} for {DEFAULT_GRIDS} grids, in proportion to --grids; 0 with "
            "--areas-only)",
        )
        parser.add_argument(
            "--areas-only",
            action="store_true",
            help="build only the area tree and the accounts (no rosters, party data or cases)",
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
        self,
        *args: Any,
        grids: int,
        seed: int,
        bulk: bool | None,
        cases: int | None,
        areas_only: bool,
        **options: Any,
    ) -> None:
        if grids < 1:
            raise CommandError(_("--grids must be at least 1."))
        if cases is not None and cases < 0:
            raise CommandError(_("--cases must not be negative."))
        if cases is None:
            cases = 0 if areas_only else default_cases(grids)
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
                rosters=not areas_only,
                progress=(lambda msg: self.stdout.write(f"  {msg}")) if verbose else None,
            )
        except (DomainError, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            _(
                "Built %(areas)d areas (%(grids)d grids), %(users)d accounts, %(residents)d "
                "residents and %(cases)d cases in %(secs).0f s."
            )
            % {
                "areas": result.areas,
                "grids": result.grids,
                "users": result.users,
                "residents": result.residents,
                "cases": result.cases,
                "secs": time.monotonic() - started,
            }
        )
        if verbose:
            self.stdout.write(_("Demo accounts (password: %(pw)s):") % {"pw": DEMO_PASSWORD})
            for a in demo_accounts():
                self.stdout.write(f"  {a.username:<18} {a.role_label} — {a.area_name}")
