"""``gridgov create-admin``: the first administrator, without a terminal if need be.

The password comes from standard input (``--password-stdin``), from the environment variable
``DJANGO_SUPERUSER_PASSWORD``, or — at a terminal — from a prompt. The account is made through
the accounts services (:func:`gridgov.accounts.bootstrap.admin_create`): password rules, audit
entries, a superuser with the administrator role at the top of the area tree."""

from __future__ import annotations

import getpass
import os
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from gridgov.accounts.bootstrap import admin_create
from gridgov.core.errors import DomainError

USERNAME_ENV = "DJANGO_SUPERUSER_USERNAME"
PASSWORD_ENV = "DJANGO_SUPERUSER_PASSWORD"
EMAIL_ENV = "DJANGO_SUPERUSER_EMAIL"


class Command(BaseCommand):
    help = (
        "Create an administrator: a superuser with the administrator role at the top area "
        f"(or --area). Password from --password-stdin, ${PASSWORD_ENV} or a prompt."
    )
    requires_migrations_checks = True

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--username", help=f"the user name (default: ${USERNAME_ENV}; asked at a terminal)"
        )
        parser.add_argument("--email", help=f"e-mail address (default: ${EMAIL_ENV}; none)")
        parser.add_argument("--mobile", help="mobile number (optional; also signs in)")
        parser.add_argument("--display-name", default="", help="the name shown in the UI")
        parser.add_argument(
            "--area",
            metavar="CODE",
            help="area code where the administrator role is granted (default: the top of the "
            "imported tree; none while no area exists)",
        )
        parser.add_argument(
            "--password-stdin",
            action="store_true",
            help="read the password from the first line of standard input",
        )
        parser.add_argument(
            "--noinput",
            "--no-input",
            action="store_false",
            dest="interactive",
            help="never prompt; the user name and password must come from options or the "
            "environment",
        )

    def _prompt(self, prompt: str, *, secret: bool = False) -> str:
        value = getpass.getpass(prompt) if secret else input(prompt)
        if not value:
            raise CommandError(_("Aborted."))
        return value

    def _password(self, options: dict[str, Any], can_ask: bool) -> str:
        if options["password_stdin"]:
            line = sys.stdin.readline()
            password = line[:-1] if line.endswith("\n") else line
            password = password.removesuffix("\r")
            if not password:
                raise CommandError(_("No password on standard input."))
            return password
        if os.environ.get(PASSWORD_ENV):
            return os.environ[PASSWORD_ENV]
        if not can_ask:
            raise CommandError(
                _("No password: use --password-stdin or set %(env)s.") % {"env": PASSWORD_ENV}
            )
        first = self._prompt(_("Password: "), secret=True)
        if first != self._prompt(_("Password again: "), secret=True):
            raise CommandError(_("The two passwords differ."))
        return first

    def handle(self, *args: Any, **options: Any) -> None:
        # Prompts need a terminal and a standard input that is not carrying the password.
        can_ask = options["interactive"] and not options["password_stdin"] and sys.stdin.isatty()
        username = options["username"] or os.environ.get(USERNAME_ENV, "")
        if not username:
            if not can_ask:
                raise CommandError(
                    _("No user name: use --username or set %(env)s.") % {"env": USERNAME_ENV}
                )
            username = self._prompt(_("User name: "))
        password = self._password(options, can_ask)
        email = options["email"] or os.environ.get(EMAIL_ENV, "")
        try:
            created = admin_create(
                username=username,
                password=password,
                area_code=options["area"],
                display_name=options["display_name"],
                mobile=options["mobile"],
                email=email,
            )
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        user = created.user
        if created.grants:
            where = ", ".join(f"{g.area.name} ({g.area.code})" for g in created.grants)
            self.stdout.write(
                _("Administrator %(name)s created; administrator role at %(where)s.")
                % {"name": user.username, "where": where}
            )
        else:
            self.stdout.write(
                _(
                    "Administrator %(name)s created (superuser). No area exists yet, so no "
                    "administrator role was granted; grant it on the user's page after "
                    "import-divisions."
                )
                % {"name": user.username}
            )
