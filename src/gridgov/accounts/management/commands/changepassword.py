"""``gridgov changepassword <user>``: set a password from the console through the service.

Replaces Django's command of the same name (``gridgov.accounts`` is listed before
``django.contrib.auth``), so the password rules, the audit entry and the revocation of the
user's API tokens apply here as on the web."""

from __future__ import annotations

import getpass
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from gridgov.accounts import services
from gridgov.accounts.models import User
from gridgov.core.errors import DomainError

MAX_TRIES = 3


class Command(BaseCommand):
    help = "Set a user's password (password rules, audit entry; revokes the user's API tokens)."
    requires_migrations_checks = True

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", help="the user name or mobile number")

    def _ask(self, prompt: str) -> str:
        value = getpass.getpass(prompt)
        if not value:
            raise CommandError(_("Aborted."))
        return value

    def handle(self, *args: Any, **options: Any) -> None:
        login = options["username"]
        user = User.objects.filter(username=login).first() or (
            User.objects.filter(mobile=login).first()
        )
        if user is None:
            raise CommandError(_("No user “%(name)s”.") % {"name": login})
        self.stdout.write(_("Changing the password of %(name)s.") % {"name": user.username})
        for _try in range(MAX_TRIES):
            first = self._ask(_("New password: "))
            if first != self._ask(_("New password again: ")):
                self.stderr.write(_("The two passwords differ; try again."))
                continue
            try:
                services.user_set_password(actor=None, user=user, password=first)
            except DomainError as exc:
                self.stderr.write(exc.message)
                continue
            self.stdout.write(_("Password changed; the user's API tokens are revoked."))
            return
        raise CommandError(_("Password not changed after %(n)d tries.") % {"n": MAX_TRIES})
