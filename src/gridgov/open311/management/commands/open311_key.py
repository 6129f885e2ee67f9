"""``gridgov open311-key create --name NAME [--area CODE]`` prints a new Open311 API key once;
``gridgov open311-key list`` shows the clients (prefixes only);
``gridgov open311-key deactivate PREFIX`` switches a key off."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from gridgov.areas.models import Area
from gridgov.core.errors import DomainError
from gridgov.open311 import services
from gridgov.open311.models import Open311Client


class Command(BaseCommand):
    help = "Create, list or deactivate the API keys of Open311 GeoReport v2 clients."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="Create a client and print its key once.")
        create.add_argument("--name", required=True, help="Who uses the key (an app, a partner).")
        create.add_argument(
            "--area",
            default="",
            metavar="CODE",
            help="Area code: the client may only report places inside this area.",
        )
        sub.add_parser("list", help="List the clients (key prefixes only).")
        off = sub.add_parser("deactivate", help="Switch a client's key off.")
        off.add_argument("prefix", help="The key's prefix, as shown by 'list'.")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        try:
            if action == "create":
                self._create(options["name"], options["area"])
            elif action == "list":
                self._list()
            else:
                self._deactivate(options["prefix"])
        except DomainError as exc:
            raise CommandError(exc.message) from exc

    def _create(self, name: str, area_code: str) -> None:
        area = None
        if area_code:
            area = Area.objects.filter(code=area_code).first()
            if area is None:
                raise CommandError(
                    _("There is no area with the code %(code)s.") % {"code": area_code}
                )
        client, raw = services.client_create(actor=None, name=name, area=area)
        self.stderr.write(
            _("Open311 client %(name)s created. Its API key (shown only this once):")
            % {"name": client.name}
        )
        self.stdout.write(raw)

    def _list(self) -> None:
        for client in Open311Client.objects.select_related("area").order_by("name", "id"):
            state = _("active") if client.is_active else _("inactive")
            area = client.area.code if client.area else "-"
            used = client.last_used_at.isoformat(timespec="seconds") if client.last_used_at else "-"
            self.stdout.write(f"{client.prefix}\t{state}\t{area}\t{used}\t{client.name}")

    def _deactivate(self, prefix: str) -> None:
        matches = list(Open311Client.objects.filter(prefix=prefix))
        if len(matches) != 1:
            raise CommandError(
                _("No single client has the key prefix %(prefix)s.") % {"prefix": prefix}
            )
        services.client_deactivate(actor=None, client=matches[0])
        self.stdout.write(_("Deactivated %(name)s.") % {"name": matches[0].name})
