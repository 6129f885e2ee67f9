"""``gridgov rotate-field-key``: encrypt the personal data again with a new field key and
recompute its look-up hashes, in batches; run it again after an interruption to go on.

See :mod:`gridgov.core.keyrotation` and docs/operations.md ("Rotating the field key").
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from gridgov.core import keyrotation
from gridgov.core.config import new_field_key
from gridgov.core.keys import FieldKeyError


class Command(BaseCommand):
    help = (
        "Rotate the field key: a new key (generated, or read from --new-key-file) encrypts "
        "every stored personal value again and keys its look-up hashes, in batches; the old "
        "key is kept until the rotation finishes. Run again to resume an interrupted rotation."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--new-key-file",
            type=Path,
            metavar="PATH",
            help="read the new key from this file instead of generating one",
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=keyrotation.DEFAULT_BATCH,
            help=f"rows per transaction ({keyrotation.DEFAULT_BATCH})",
        )
        parser.add_argument(
            "--max-batches",
            type=int,
            default=None,
            metavar="N",
            help="stop after N batches (run again to go on)",
        )
        parser.add_argument("--generate", action="store_true", help="only print a new key and exit")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["generate"]:
            self.stdout.write(new_field_key())
            return
        if options["batch_size"] < 1:
            raise CommandError(_("--batch-size must be at least 1."))
        new_key = ""
        if options["new_key_file"] is not None:
            new_key = options["new_key_file"].read_text(encoding="ascii").strip()
        say = self.stdout.write
        try:
            keyrotation.begin(new_key=new_key, say=say)
            result = keyrotation.run(
                batch_size=options["batch_size"], max_batches=options["max_batches"], say=say
            )
        except FieldKeyError as exc:
            raise CommandError(exc.message) from exc
        if result.finished:
            say(
                _("Done: %(rows)d row(s) in %(batches)d batch(es).")
                % {"rows": result.rows, "batches": result.batches}
            )
