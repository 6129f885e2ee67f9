"""``gridgov createsuperuser``: Django's command replaced by ``create-admin``.

``gridgov.accounts`` is listed before ``django.contrib.auth``, so this one wins. It takes
Django's options (``--username``, ``--email``, ``--noinput`` with ``DJANGO_SUPERUSER_USERNAME``
and ``DJANGO_SUPERUSER_PASSWORD``) and makes the account through the accounts services: the
password rules apply (Django's own ``--noinput`` skips them), the creation is audited, and the
superuser also holds the administrator role at the top area, as the demo's ``admin`` does."""

from __future__ import annotations

from gridgov.accounts.management.commands.create_admin import Command as CreateAdmin


class Command(CreateAdmin):
    help = (
        "Create a superuser with the administrator role at the top area (same as "
        "create-admin). --noinput reads DJANGO_SUPERUSER_USERNAME and DJANGO_SUPERUSER_PASSWORD."
    )
