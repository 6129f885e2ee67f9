"""``gridgov restore ARCHIVE``: put back an archive of ``gridgov backup`` after checking that
its field key opens its database and is this data folder's key (see :mod:`gridgov.core.backup`
and docs/operations.md, "Restoring")."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from gridgov.core.backup import BackupError, restore_backup


class Command(BaseCommand):
    help = (
        "Restore a gridgov backup archive over the configured database and media/. Stop the "
        "web and worker services first. Refused when the archive's field key is not this data "
        "folder's, unless --with-secrets (which takes the archive's keys)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("archive", type=Path, metavar="ARCHIVE")
        parser.add_argument(
            "--with-secrets",
            action="store_true",
            help="replace this data folder's field_key and secret_key with the archive's",
        )
        parser.add_argument(
            "--yes", action="store_true", help="do not ask before overwriting the database"
        )

    def handle(self, *args: Any, archive: Path, with_secrets: bool, yes: bool, **opts: Any) -> None:
        if not archive.is_file():
            raise CommandError(_("%(path)s: no such file.") % {"path": archive})
        if not yes and sys.stdin.isatty():
            answer = input(
                _("This replaces the database and media/ with the archive's. Go on? [y/N] ")
            )
            if answer.strip().lower() not in {"y", "yes", "是"}:
                raise CommandError(_("Nothing was restored."))
        try:
            manifest = restore_backup(archive, with_secrets=with_secrets, say=self.stdout.write)
        except BackupError as exc:
            raise CommandError(exc.message) from exc
        counts = ", ".join(f"{k} {v}" for k, v in manifest.get("counts", {}).items())
        self.stdout.write(
            _("Restored (%(counts)s). Start the services again.") % {"counts": counts}
        )
