"""``gridgov backup DIR``: the database, the secrets and ``media/`` in one dated, owner-only
archive (see :mod:`gridgov.core.backup` and docs/operations.md, "Backups")."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from gridgov.core.backup import BackupError, create_backup


class Command(BaseCommand):
    help = (
        "Write a dated archive (mode 0600) of the database (SQLite online backup, or pg_dump "
        "for PostgreSQL), the secrets and media/ into DIR (created 0700)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("directory", type=Path, metavar="DIR")
        parser.add_argument(
            "--keep",
            type=int,
            default=None,
            metavar="N",
            help="afterwards delete all but the newest N gridgov archives in DIR",
        )

    def handle(self, *args: Any, directory: Path, keep: int | None, **options: Any) -> None:
        if keep is not None and keep < 1:
            raise CommandError(_("--keep must be at least 1."))
        try:
            create_backup(directory.expanduser().resolve(), keep=keep, say=self.stdout.write)
        except BackupError as exc:
            raise CommandError(exc.message) from exc
