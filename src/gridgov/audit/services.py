"""Writing to and pruning the audit log. The only place AuditEntry rows are created or removed."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gridgov.audit.models import AuditEntry, Event
from gridgov.core.context import client_ip
from gridgov.core.errors import ValidationFailed


def audit_record(
    *,
    event: Event | str,
    actor: Any = None,
    actor_name: str = "",
    target: models.Model | None = None,
    target_repr: str = "",
    area: Any = None,
    detail: dict[str, Any] | None = None,
    ip: str | None = None,
) -> AuditEntry:
    """Append one audit entry. ``detail`` must hold no personal data (no ID or phone numbers)."""
    user = actor if getattr(actor, "is_authenticated", False) else None
    entry = AuditEntry(
        event=str(event),
        actor=user,
        actor_name=actor_name or (user.get_username() if user else ""),
        ip=ip or client_ip.get(),
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        target_repr=(target_repr or (str(target) if target is not None else ""))[:200],
        area_path=getattr(area, "path", "") or "",
        detail=detail or {},
    )
    entry.save()
    return entry


def audit_prune(*, older_than_days: int, actor: Any = None) -> int:
    """Delete entries older than ``older_than_days``; never anything younger than the retention."""
    retention = settings.GRIDGOV_AUDIT_RETENTION_DAYS
    if older_than_days < retention:
        raise ValidationFailed(
            _("Audit entries must be kept at least %(days)d days.") % {"days": retention},
            code="retention_too_short",
        )
    cutoff = timezone.now() - timedelta(days=older_than_days)
    with transaction.atomic():
        # QuerySet.delete is refused on purpose; the raw delete below is the one exception.
        qs: models.QuerySet[AuditEntry] = models.QuerySet(model=AuditEntry).filter(at__lt=cutoff)
        deleted = qs._raw_delete(qs.db)
        audit_record(
            event=Event.AUDIT_PRUNED,
            actor=actor,
            actor_name="" if actor else "system",
            detail={"deleted": deleted, "cutoff": cutoff.isoformat()},
        )
    return int(deleted)
