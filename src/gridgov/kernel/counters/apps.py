from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CountersConfig(AppConfig):
    name = "gridgov.kernel.counters"
    label = "counters"
    verbose_name = _("Counters")

    def ready(self) -> None:
        # Stock counted at an area follows the area when it moves (see areas.services).
        from gridgov.areas.services import AREA_MOVE_HOOKS
        from gridgov.kernel.counters.writer import area_moved

        if area_moved not in AREA_MOVE_HOOKS:
            AREA_MOVE_HOOKS.append(area_moved)
