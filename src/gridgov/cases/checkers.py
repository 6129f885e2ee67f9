"""Who checks a resident's report on site (待核实): does a grid have an active grid worker?

Every public report in a grid asks this, so intake keeps the answers with its other reference
rows (:data:`gridgov.cases.services.intake.REFERENCE`) under the revision :data:`GRID_WORKERS`,
which moves whenever a grid worker's grant or an account's active flag changes (the receivers
below; bulk writers call :func:`changed` themselves). A report therefore costs no extra
statement: the revision is checked inside the statement that takes the case number.
"""

from __future__ import annotations

from typing import Any

from gridgov.core import revisions

GRID_WORKERS = "cases.grid_workers"


def changed() -> None:
    """Mark a change of who works in which grid (call inside the writing transaction)."""
    revisions.bump(GRID_WORKERS)


def grid_has_checker(area: Any, lookups: dict[Any, Any]) -> bool:
    """Does ``area`` (a grid) have at least one active grid worker? Remembered in
    ``lookups`` (intake's reference rows)."""
    key = ("grid_worker", area.pk)
    found = lookups.get(key)
    if found is None:
        from gridgov.accounts.models import RoleGrant
        from gridgov.accounts.roles import Role

        found = RoleGrant.objects.filter(
            area_id=area.pk, role=Role.GRID_WORKER, user__is_active=True
        ).exists()
        lookups[key] = found
    return bool(found)


def _grant_changed(sender: Any, instance: Any, **kwargs: Any) -> None:
    from gridgov.accounts.roles import Role

    if instance.role == Role.GRID_WORKER:
        changed()


def _user_saved(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
    fields = kwargs.get("update_fields")
    if created or (fields is not None and "is_active" not in fields):
        return
    from gridgov.accounts.roles import Role

    if instance.grants.filter(role=Role.GRID_WORKER).exists():
        changed()


def connect() -> None:
    """Connect the receivers (from the cases app's ``ready``)."""
    from django.db.models.signals import post_delete, post_save

    from gridgov.accounts.models import RoleGrant, User

    post_save.connect(_grant_changed, sender=RoleGrant, dispatch_uid="cases.checkers.grant")
    post_delete.connect(_grant_changed, sender=RoleGrant, dispatch_uid="cases.checkers.revoke")
    post_save.connect(_user_saved, sender=User, dispatch_uid="cases.checkers.user")
