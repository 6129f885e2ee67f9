"""Storing checked uploads as attachments of an owner."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, TypeVar

from django.core.files.base import ContentFile

from gridgov.kernel.attachments.checks import CheckedFile, check_upload
from gridgov.kernel.attachments.models import Attachment, Kind

A = TypeVar("A", bound=Attachment)

ALL_KINDS: tuple[str, ...] = (Kind.PHOTO, Kind.DOCUMENT)


def check_uploads(
    files: Iterable[Any],
    *,
    kinds: tuple[str, ...] = ALL_KINDS,
    code: str = "bad_file",
    field: str = "files",
) -> list[CheckedFile]:
    """Check every file of a submission (all before anything is stored)."""
    return [check_upload(f, kinds=kinds, code=code, field=field) for f in files if f is not None]


def attachments_add(
    *,
    model: type[A],
    owner: Any,
    files: Sequence[Any],
    actor: Any,
    kinds: tuple[str, ...] = ALL_KINDS,
    code: str = "bad_file",
    field: str = "files",
    **extra: Any,
) -> list[A]:
    """Check ``files`` (all first, so a bad one stores nothing) and save them as ``model`` rows
    of ``owner`` (``extra``: further columns of the owner's model, e.g. the timeline entry).

    The caller — the owner's service — has checked the actor's permission and holds the
    transaction; the rows roll back with it (a file already written stays as an orphan that a
    ``MEDIA_ROOT`` clean-up may remove)."""
    checked = check_uploads(files, kinds=kinds, code=code, field=field)
    uploader = actor if getattr(actor, "is_authenticated", False) else None
    saved: list[A] = []
    for item in checked:
        row = model(
            **{model.owner_field: owner},
            kind=item.kind,
            content_type=item.content_type,
            original_name=item.name[:200],
            size=item.size,
            width=item.width,
            height=item.height,
            sha256=item.sha256,
            uploaded_by=uploader,
            **extra,
        )
        row.file.save("upload", ContentFile(item.content), save=False)
        row.save()
        saved.append(row)
    return saved
