"""``gridgov index-cases``: bring the keyword index up to date at once (the worker does it every
minute); after an upgrade to it, or a bulk load, this fills it for every existing case."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from gridgov.cases.search import available, index_pending


class Command(BaseCommand):
    help = "Add every case not yet in the keyword index of case titles and addresses."

    def handle(self, *args: Any, **options: Any) -> None:
        if not available():
            self.stderr.write(
                _("This database has no keyword index (SQLite without FTS5): nothing to do.")
            )
            return
        added = index_pending()
        self.stdout.write(_("%(count)d cases added to the keyword index.") % {"count": added})
