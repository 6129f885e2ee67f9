"""Reading import jobs: only one's own, and only while one may still import that kind where
the job belongs (another area's job, or one whose permission was withdrawn, is not found)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from gridgov.accounts import scoping
from gridgov.core.errors import NotFound
from gridgov.kernel.imports import registry
from gridgov.kernel.imports.models import ImportJob


def may_see(actor: Any, job: ImportJob) -> bool:
    if actor is None or job.actor_id != getattr(actor, "pk", None):
        return False
    try:
        kind = registry.get(job.kind)
    except NotFound:
        return False
    if job.area_id is None:
        return scoping.has_perm_anywhere(actor, kind.perm)
    return scoping.can(actor, kind.perm, job.area)


def jobs_for(*, actor: Any, kind: str | None = None) -> QuerySet[ImportJob]:
    """The actor's jobs, newest first, without the file and the error sheet."""
    qs = ImportJob.objects.filter(actor_id=getattr(actor, "pk", None)).defer(
        "content", "error_sheet"
    )
    if kind is not None:
        qs = qs.filter(kind=kind)
    return qs.select_related("area")


def job_get_for(*, actor: Any, pk: Any) -> ImportJob:
    """One job the actor may see (see the module text), else :class:`NotFound`."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        pk = 0
    job = jobs_for(actor=actor).filter(pk=pk).first()
    if job is None or not may_see(actor, job):
        raise NotFound(_("Import not found."))
    return job


def job_error_sheet(*, actor: Any, pk: Any) -> bytes:
    """The rows with problems as uploaded, plus row, column and reason (.xlsx)."""
    job = job_get_for(actor=actor, pk=pk)
    data = ImportJob.objects.filter(pk=job.pk).values_list("error_sheet", flat=True).first()
    if not data:
        raise NotFound(_("There is no error sheet for this import."))
    return bytes(data)
