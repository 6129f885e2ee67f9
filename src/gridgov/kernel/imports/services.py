"""Starting, running and retrying import jobs.

:func:`job_start` checks the upload at once (permission and area, mode, per-file errors: not
Excel, wrong header row, too many rows — a per-file error makes no job) and records the job.
Files the kind declares small (``sync_rows``) are imported before it returns; the others by
the background worker (:func:`gridgov.kernel.imports.tasks.run_import_job`, enqueued on
commit), whose progress the job page polls.

Idempotent: a submission is identified by the actor, the kind, the area, the mode, the kind's
parameters and the file's SHA-256 (``dedup_key``), and by the client's token when one is sent.
Sending the same again returns the first job — while it runs and after — and never imports
twice; a job that failed unexpectedly is run again instead. ``again=True`` ("import again")
starts a new job for the same file on purpose.

Modes: ``valid`` writes the rows that pass and reports the others; ``all`` writes nothing unless
every row passes. The error sheet repeats the user's rows as uploaded with row, column and
reason; only the uploader gets it. Messages, logs and audit entries hold no row data.
"""

from __future__ import annotations

import hashlib
import json
import logging
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gridgov.audit.services import audit_record
from gridgov.core.errors import ValidationFailed
from gridgov.kernel.imports import registry
from gridgov.kernel.imports.models import ImportJob
from gridgov.kernel.imports.registry import MODES, Outcome, Run
from gridgov.kernel.imports.selectors import job_get_for

logger = logging.getLogger("gridgov.kernel.imports")

MAX_TOKEN = 64


def content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def dedup_key(
    *, actor: Any, kind: str, area: Any, mode: str, params: dict[str, Any], digest: str
) -> str:
    """What identifies one submission (hashed, so the key itself says nothing)."""
    ident = json.dumps(
        [getattr(actor, "pk", None), kind, getattr(area, "pk", None), mode, params, digest],
        sort_keys=True,
        default=str,
    )
    return hashlib.sha256(ident.encode()).hexdigest()


def job_for_token(actor: Any, token: str) -> ImportJob | None:
    """The actor's job uploaded with this client token, if any."""
    token = (token or "").strip()[:MAX_TOKEN]
    if not token:
        return None
    return ImportJob.objects.filter(actor_id=actor.pk, client_token=token).first()


def check_mode(mode: str) -> str:
    if mode not in MODES:
        msg = _("Choose a mode.")
        raise ValidationFailed(_("Unknown import mode."), fields={"mode": msg})
    return mode


def job_start(**kwargs: Any) -> ImportJob:
    """Check the upload and record its job, or return the job of the same submission (see the
    module text); keywords as :func:`job_submit`."""
    return job_submit(**kwargs)[0]


def job_submit(
    *,
    actor: Any,
    kind: str,
    filename: str,
    data: bytes,
    mode: str,
    params: dict[str, Any] | None = None,
    client_token: str = "",
    again: bool = False,
    sync_rows: int | None = None,
) -> tuple[ImportJob, bool]:
    """The job of this submission and whether it is new (``False``: the same submission was
    made before). ``sync_rows`` overrides the kind's (files up to it run in the request)."""
    spec = registry.get(kind)
    params = dict(params or {})
    area = spec.resolve_area(actor, params)
    spec.require(actor, area, params)
    check_mode(mode)
    token = (client_token or "").strip()[:MAX_TOKEN]
    earlier = job_for_token(actor, token)
    if earlier is not None:
        return earlier, False
    digest = content_hash(data)
    key = dedup_key(actor=actor, kind=kind, area=area, mode=mode, params=params, digest=digest)
    earlier = ImportJob.objects.filter(dedup_key=key).first()
    if earlier is not None:
        if again and not earlier.running:
            ImportJob.objects.filter(pk=earlier.pk).update(dedup_key="")
        elif earlier.status == ImportJob.Status.FAILED:
            return job_retry(actor=actor, pk=earlier.pk), False
        else:
            return earlier, False
    estimated = spec.check_file(data)  # per-file errors raise here: no job
    try:
        with transaction.atomic():
            job = ImportJob.objects.create(
                kind=kind,
                mode=mode,
                actor=actor,
                area=area,
                params=params,
                filename=(filename or "upload.xlsx")[-200:],
                content=data,
                content_hash=digest,
                dedup_key=key,
                client_token=token,
                total_rows=estimated,
            )
    except IntegrityError:  # the same submission twice at once: the other request won
        earlier = job_for_token(actor, token) or ImportJob.objects.filter(dedup_key=key).first()
        if earlier is None:
            raise
        return earlier, False
    _dispatch(job, spec.sync_rows if sync_rows is None else sync_rows)
    job.refresh_from_db()
    return job, True


def _dispatch(job: ImportJob, sync_rows: int) -> None:
    if job.total_rows <= sync_rows:
        job_run(job.pk)
    else:
        transaction.on_commit(lambda: _enqueue(job.pk), robust=True)


def _enqueue(job_id: int) -> None:
    from gridgov.kernel.imports.tasks import run_import_job

    run_import_job.enqueue(job_id=job_id)


def job_retry(*, actor: Any, pk: Any) -> ImportJob:
    """Run a failed job of the actor's again from its stored file (a finished one is returned
    as it is: retrying never imports twice)."""
    job = job_get_for(actor=actor, pk=pk)
    if job.status != ImportJob.Status.FAILED:
        return job
    reset = ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.FAILED).update(
        status=ImportJob.Status.PENDING, message="", processed_rows=0, finished_at=None
    )
    if reset:
        transaction.on_commit(lambda: _enqueue(job.pk), robust=True)
    job.refresh_from_db()
    return job


def job_run(job_id: int) -> None:
    """Run one waiting job (the body of the background task). A job already taken is left
    alone, so a task delivered twice imports once."""
    claimed = ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.PENDING).update(
        status=ImportJob.Status.RUNNING, started_at=timezone.now()
    )
    if not claimed:
        return
    job = ImportJob.objects.select_related("actor", "area").get(pk=job_id)

    def progress(done: int, total: int) -> None:
        ImportJob.objects.filter(pk=job_id).update(processed_rows=done, total_rows=total)

    outcome: Outcome | None = None
    message = ""
    failure: dict[str, Any] = {}
    try:
        spec = registry.get(job.kind)
        outcome = spec.run(
            Run(
                job=job,
                actor=job.actor,
                mode=job.mode,
                area=job.area,
                params=dict(job.params or {}),
                data=bytes(job.content),
                progress=progress,
            )
        )
    except ValidationFailed as exc:  # a per-file problem found while reading (damaged file)
        message = exc.message
        failure = {"code": exc.code, "fields": {k: str(v) for k, v in exc.fields.items()}}
    except Exception:
        logger.exception("import job %s failed", job_id)  # no row data in the log
        message = _("The import failed unexpectedly; nothing more was written. Try again.")
        failure = {"code": "import_failed"}
    _finish(job, outcome, message, failure)


def failure_error(job: ImportJob) -> ValidationFailed:
    """A failed job's problem as the error it was (for an API answering in the request)."""
    failure = (job.result or {}).get("failure") or {}
    return ValidationFailed(
        job.message,
        code=str(failure.get("code") or "import_failed"),
        fields=dict(failure.get("fields") or {}),
    )


def _finish(
    job: ImportJob, outcome: Outcome | None, message: str, failure: dict[str, Any] | None = None
) -> None:
    now = timezone.now()
    counts: dict[str, Any]
    if outcome is None:  # the file stays, so that sending it again (or job_retry) reruns it
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportJob.Status.FAILED,
            message=message,
            result={"failure": failure or {}},
            finished_at=now,
        )
        counts = {"failed": True}
    else:
        message = outcome.message
        if job.mode == "all" and outcome.errors and not message:
            message = _(
                "All or nothing: %(n)s rows have problems, so nothing was imported. "
                "Correct them in the error sheet and upload it again."
            ) % {"n": outcome.errors}
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportJob.Status.DONE,
            total_rows=outcome.total,
            processed_rows=outcome.total,
            created_count=outcome.created,
            updated_count=outcome.updated,
            error_count=outcome.errors,
            message=message,
            error_sheet=outcome.error_sheet if outcome.errors else None,
            result=outcome.data,
            content=b"",
            finished_at=now,
        )
        counts = {
            "rows": outcome.total,
            "created": outcome.created,
            "updated": outcome.updated,
            "errors": outcome.errors,
        }
    spec = registry.find(job.kind)
    if spec is not None and spec.audit_event:
        audit_record(
            event=spec.audit_event,
            actor=job.actor,
            target=job,
            target_repr=f"{job.kind} #{job.pk}",
            area=job.area,
            detail={"kind": job.kind, "mode": job.mode, **counts},
        )


STALE_RUN = timedelta(hours=1)
KEEP_FAILED_UPLOAD = timedelta(days=7)


def jobs_tidy(*, now: datetime | None = None) -> dict[str, int]:
    """The daily tidy-up (periodic job ``imports.tidy``):

    * a job still running an hour after it started lost its worker (a restart): it is marked
      failed, so that sending the file again or 「重试」 runs it again (every kind's rows are
      matched on the way in, so a rerun never duplicates what the first run wrote);
    * a job still waiting after an hour lost its task: it is enqueued again (a job runs once);
    * the file of a job that failed more than a week ago is deleted (it holds personal data);
      the same file sent later makes a new job.
    """
    now = now or timezone.now()
    interrupted = ImportJob.objects.filter(
        status=ImportJob.Status.RUNNING, started_at__lt=now - STALE_RUN
    ).update(
        status=ImportJob.Status.FAILED,
        message=_("The import was interrupted (the server restarted). Try again."),
        result={"failure": {"code": "import_interrupted"}},
        finished_at=now,
    )
    waiting = list(
        ImportJob.objects.filter(
            status=ImportJob.Status.PENDING, created_at__lt=now - STALE_RUN
        ).values_list("pk", flat=True)
    )
    for pk in waiting:
        _enqueue(pk)
    purged = (
        ImportJob.objects.filter(
            status=ImportJob.Status.FAILED, finished_at__lt=now - KEEP_FAILED_UPLOAD
        )
        .exclude(content=b"")
        .update(content=b"", dedup_key="")
    )
    return {"interrupted": interrupted, "requeued": len(waiting), "purged": purged}
