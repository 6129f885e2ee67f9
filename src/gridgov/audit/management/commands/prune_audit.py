"""``gridgov prune-audit [--days N]``: delete audit entries older than N days (at least the
retention, ``GRIDGOV_AUDIT_RETENTION_DAYS``, never under 180). The worker also does this daily."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from gridgov.audit.services import audit_prune
from gridgov.core.errors import DomainError


class Command(BaseCommand):
    help = "Delete audit-log entries older than --days (at least the retention period)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--days",
            type=int,
            default=None,
            help="Delete entries older than this many days (default: the retention period).",
        )

    def handle(self, *args: Any, days: int | None, **options: Any) -> None:
        days = settings.GRIDGOV_AUDIT_RETENTION_DAYS if days is None else days
        try:
            deleted = audit_prune(older_than_days=days)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(
            _("Deleted %(n)d audit entries older than %(days)d days.")
            % {"n": deleted, "days": days}
        )
