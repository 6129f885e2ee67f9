"""``gridgov live-serve``: serve the live stream alone (started by ``gridgov serve``; or run
it as a service of its own behind the reverse proxy, see docs/operations.md)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Serve the command centre's live stream (/command/live/) on a port of its own."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8001)
        parser.add_argument("--trusted-proxy", default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        from gridgov.command.live.server import serve
        from gridgov.core.management.commands.worker import die_with_parent

        die_with_parent()  # started by gridgov serve: stop with it, even after a kill -9
        serve(host=options["host"], port=options["port"], trusted_proxy=options["trusted_proxy"])
