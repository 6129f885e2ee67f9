from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommandConfig(AppConfig):
    name = "gridgov.command"
    label = "command"
    verbose_name = _("Command centre")

    def ready(self) -> None:
        # Every module registers its tiles, map layers, rankings, alert rules, report
        # sections and live feeds in its ``command.py`` (see gridgov.command.registry).
        from gridgov.command import registry

        registry.discover()
