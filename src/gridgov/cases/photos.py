"""Case photos, on the kernel's attachments (:mod:`gridgov.kernel.attachments`).

The checks (content, size, pixels, re-encoding without metadata) are the kernel's
:func:`~gridgov.kernel.attachments.checks.check_image`; this module keeps the case-facing names
and the refusal shape the case forms and API have always had (code ``bad_photo``, the message
under ``photos``), and the number of photos per submission.

Limits (settings, with defaults): ``GRIDGOV_PHOTO_MAX_BYTES`` (10 MB per file),
``GRIDGOV_PHOTO_MAX_PIXELS`` (50 million), ``GRIDGOV_PHOTO_MAX_COUNT`` (9 per submission).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.conf import settings
from django.utils.translation import ngettext

from gridgov.cases.models import Case, CaseAttachment, CaseEvent
from gridgov.core.errors import ValidationFailed
from gridgov.kernel.attachments import checks
from gridgov.kernel.attachments.checks import IMAGE_FORMATS as ACCEPTED_FORMATS
from gridgov.kernel.attachments.checks import JPEG_QUALITY, MAX_EDGE
from gridgov.kernel.attachments.checks import CheckedFile as ProcessedPhoto
from gridgov.kernel.attachments.models import Kind
from gridgov.kernel.attachments.services import attachments_add

__all__ = [
    "ACCEPTED_FORMATS",
    "JPEG_QUALITY",
    "MAX_EDGE",
    "ProcessedPhoto",
    "attach_photos",
    "check_photo",
    "check_photos",
    "max_bytes",
    "max_count",
    "max_pixels",
]

_DEFAULT_MAX_COUNT = 9
_CODE = "bad_photo"
_FIELD = "photos"


def max_bytes() -> int:
    return checks.photo_max_bytes()


def max_pixels() -> int:
    return checks.photo_max_pixels()


def max_count() -> int:
    return int(getattr(settings, "GRIDGOV_PHOTO_MAX_COUNT", _DEFAULT_MAX_COUNT))


def check_photo(file: Any) -> ProcessedPhoto:
    """Check one uploaded photo by its content and return it re-encoded without metadata.

    Raises :class:`ValidationFailed` (code ``bad_photo``) for an empty, oversized, truncated or
    non-image file, an image type other than JPEG/PNG/WebP, or too many pixels.
    """
    if isinstance(file, ProcessedPhoto):
        return file
    data, name = checks.read_upload(file, max_bytes(), code=_CODE, field=_FIELD)
    return checks.check_bytes(data, name, kinds=(Kind.PHOTO,), code=_CODE, field=_FIELD)


def check_photos(files: Iterable[Any]) -> list[ProcessedPhoto]:
    """Check a whole submission: every file, and no more than ``max_count()`` of them."""
    items = [f for f in files if f is not None]
    limit = max_count()
    if len(items) > limit:
        message = ngettext(
            "At most %(n)s photo may be attached at a time.",
            "At most %(n)s photos may be attached at a time.",
            limit,
        ) % {"n": limit}
        raise ValidationFailed(message, code="too_many_photos", fields={"photos": message})
    return [check_photo(f) for f in items]


def attach_photos(
    *, case: Case, event: CaseEvent | None, files: Sequence[Any], actor: Any
) -> list[CaseAttachment]:
    """Check ``files`` (all first, so a bad one stores nothing) and save them as attachments of
    ``case`` (and of the timeline ``event`` they came with). Call inside the action's
    transaction; the rows roll back with it."""
    photos = check_photos(files)
    return attachments_add(
        model=CaseAttachment,
        owner=case,
        files=photos,
        actor=actor,
        kinds=(Kind.PHOTO,),
        code=_CODE,
        field=_FIELD,
        event=event,
    )
