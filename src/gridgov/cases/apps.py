from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "gridgov.cases"
    label = "cases"
    verbose_name = _("Cases")

    def ready(self) -> None:
        from gridgov.cases import checkers

        checkers.connect()
