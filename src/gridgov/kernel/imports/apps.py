from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImportsConfig(AppConfig):
    name = "gridgov.kernel.imports"
    label = "imports"
    verbose_name = _("Excel imports")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The sheet kinds of the apps that ship them (each module registers on import).
        from gridgov.kernel.imports.kinds import discover

        discover()
