"""Every model on the Django admin pages has a name in Chinese (a ``verbose_name`` and
``verbose_name_plural`` in the catalogue, or for third-party models a catalogue entry for
the name Django derives)."""

from __future__ import annotations

import re

from django.contrib import admin
from django.utils import translation

CJK = re.compile(r"[\u4e00-\u9fff]")


def test_every_admin_model_is_named_in_chinese() -> None:
    missing = []
    with translation.override("zh-hans"):
        for model in admin.site._registry:
            meta = model._meta
            for name in (meta.verbose_name, meta.verbose_name_plural):
                if not CJK.search(str(name)):
                    missing.append(f"{meta.label}: {name}")
            if not CJK.search(str(meta.app_config.verbose_name)):
                missing.append(f"app {meta.app_label}: {meta.app_config.verbose_name}")
    assert not missing, missing
