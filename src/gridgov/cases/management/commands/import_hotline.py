"""``gridgov import_hotline FILE.xlsx [--mode valid|all] [--user NAME] [--errors OUT.xlsx]``:
import 12345 hotline work orders from the Excel template. Every problem is printed with its
row and column; the exit status is 1 when any row failed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from gridgov.cases.importers import hotline
from gridgov.core.errors import DomainError


class Command(BaseCommand):
    help = (
        "Import 12345 hotline work orders from an .xlsx file in the template's format "
        "(download it from the import page). Re-importing a file never duplicates a case."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="the .xlsx file")
        parser.add_argument(
            "--mode",
            choices=hotline.MODES,
            default="valid",
            help="valid: import the rows that pass and report the others (default); "
            "all: import nothing unless every row passes",
        )
        parser.add_argument(
            "--user", default="", help="import as this user (needs case.import); default: system"
        )
        parser.add_argument(
            "--errors", type=Path, help="write the rows with problems to this .xlsx file"
        )
        parser.add_argument(
            "--template", action="store_true", help="write the empty template to FILE and stop"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if options["template"]:
            path.write_bytes(hotline.build_template())
            self.stdout.write(f"{path}")
            return
        actor = None
        if options["user"]:
            from gridgov.accounts.models import User

            actor = User.objects.filter(username=options["user"], is_active=True).first()
            if actor is None:
                raise CommandError(f"No active user {options['user']!r}.")
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(str(exc)) from exc
        try:
            result = hotline.import_hotline(actor=actor, data=data, mode=options["mode"])
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        for error in result.errors:
            self.stderr.write(str(error))
        if result.errors and options["errors"]:
            options["errors"].write_bytes(hotline.error_report(result))
        self.stdout.write(
            f"rows={result.total} created={len(result.created)} existing={result.existing} "
            f"failed_rows={result.failed_rows} mode={result.mode}"
        )
        if result.errors:
            raise SystemExit(1)
