"""Finding the sheet kinds: every installed app may have an ``import_kinds`` module that
registers its kinds (:func:`gridgov.kernel.imports.registry.register`) when imported."""

from __future__ import annotations

from django.utils.module_loading import autodiscover_modules


def discover() -> None:
    autodiscover_modules("import_kinds")
