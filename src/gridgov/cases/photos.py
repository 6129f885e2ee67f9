"""Case photos: checked by content, re-encoded, stripped of metadata, then stored.

A phone photo carries its GPS position, the camera's serial number and the time in its EXIF
block; a "photo" may also be a renamed text file, a truncated upload or a decompression bomb.
:func:`check_photo` trusts nothing but the pixels: it opens the bytes with Pillow restricted to
the accepted formats (JPEG, PNG, WebP), refuses files over the size or pixel limit, applies the
EXIF orientation, and re-encodes a fresh JPEG (longest edge at most ``MAX_EDGE``) that carries
no metadata at all. :func:`attach_photos` stores the results as
:class:`~gridgov.cases.models.CaseAttachment` rows under ``MEDIA_ROOT``.

Limits (settings, with defaults): ``GRIDGOV_PHOTO_MAX_BYTES`` (10 MB per file),
``GRIDGOV_PHOTO_MAX_PIXELS`` (50 million), ``GRIDGOV_PHOTO_MAX_COUNT`` (9 per submission).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from PIL import Image, ImageOps, UnidentifiedImageError

from gridgov.cases.models import Case, CaseAttachment, CaseEvent
from gridgov.core.errors import ValidationFailed

ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP")
MAX_EDGE = 2560
JPEG_QUALITY = 85

_DEFAULT_MAX_BYTES = 10 * 1024 * 1024
_DEFAULT_MAX_PIXELS = 50_000_000
_DEFAULT_MAX_COUNT = 9


def max_bytes() -> int:
    return int(getattr(settings, "GRIDGOV_PHOTO_MAX_BYTES", _DEFAULT_MAX_BYTES))


def max_pixels() -> int:
    return int(getattr(settings, "GRIDGOV_PHOTO_MAX_PIXELS", _DEFAULT_MAX_PIXELS))


def max_count() -> int:
    return int(getattr(settings, "GRIDGOV_PHOTO_MAX_COUNT", _DEFAULT_MAX_COUNT))


@dataclass(frozen=True)
class ProcessedPhoto:
    """A checked photo, re-encoded as a metadata-free JPEG, ready to store."""

    content: bytes
    width: int
    height: int
    sha256: str  # of ``content``: the same picture always gives the same hash
    source_format: str  # what the upload really was: "JPEG", "PNG" or "WEBP"
    name: str = ""

    @property
    def size(self) -> int:
        return len(self.content)

    @property
    def content_type(self) -> str:
        return "image/jpeg"


def _bad(message: str, name: str = "") -> ValidationFailed:
    text = _("%(name)s: %(message)s") % {"name": name, "message": message} if name else message
    return ValidationFailed(text, code="bad_photo", fields={"photos": text})


def _read(file: Any, limit: int) -> tuple[bytes, str]:
    """The bytes of ``file`` (bytes, an uploaded file or any binary file object), at most
    ``limit + 1`` of them so an oversized upload is never read whole."""
    if isinstance(file, bytes | bytearray | memoryview):
        return bytes(file[: limit + 1]), ""
    name = str(getattr(file, "name", "") or "").rsplit("/", 1)[-1]
    declared = getattr(file, "size", None)
    if isinstance(declared, int) and declared > limit:
        return b"\0" * (limit + 1), name
    if hasattr(file, "seek"):
        with contextlib.suppress(OSError, ValueError):
            file.seek(0)
    data = file.read(limit + 1)
    if not isinstance(data, bytes):
        raise _bad(_("The upload is not a file."), name)
    return data, name


def check_photo(file: Any) -> ProcessedPhoto:
    """Check one uploaded photo by its content and return it re-encoded without metadata.

    Raises :class:`ValidationFailed` (code ``bad_photo``) for an empty, oversized, truncated or
    non-image file, an image type other than JPEG/PNG/WebP, or too many pixels.
    """
    if isinstance(file, ProcessedPhoto):
        return file
    limit = max_bytes()
    data, name = _read(file, limit)
    if not data:
        raise _bad(_("The file is empty."), name)
    if len(data) > limit:
        raise _bad(
            _("The file is larger than %(mb)s MB.") % {"mb": round(limit / 1024 / 1024, 1)}, name
        )
    not_image = _("The file is not a JPEG, PNG or WebP image.")
    try:
        with warnings.catch_warnings():
            # Pillow warns (and past twice the limit raises) on huge images; refuse both.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img: Image.Image = Image.open(io.BytesIO(data), formats=list(ACCEPTED_FORMATS))
            source_format = str(img.format or "")
            width, height = img.size
            if width <= 0 or height <= 0:
                raise _bad(not_image, name)
            if width * height > max_pixels():
                raise _bad(
                    _("The image has too many pixels (%(w)s × %(h)s).") % {"w": width, "h": height},
                    name,
                )
            img.load()  # decodes everything: a truncated file fails here
            img = ImageOps.exif_transpose(img) or img
            img = _to_rgb(img)
            img.thumbnail((MAX_EDGE, MAX_EDGE), Image.Resampling.LANCZOS)
            out = io.BytesIO()
            # No exif=, icc_profile= or comment: the new file carries no metadata.
            img.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True)
    except ValidationFailed:
        raise
    except (Image.DecompressionBombWarning, Image.DecompressionBombError) as exc:
        raise _bad(_("The image has too many pixels."), name) from exc
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError) as exc:
        # Truncated or corrupt image data ends up here as OSError/SyntaxError.
        message = not_image if isinstance(exc, UnidentifiedImageError) else None
        raise _bad(
            message or _("The image is damaged or incomplete; take or choose it again."), name
        ) from exc
    content = out.getvalue()
    return ProcessedPhoto(
        content=content,
        width=img.width,
        height=img.height,
        sha256=hashlib.sha256(content).hexdigest(),
        source_format=source_format,
        name=name,
    )


def _to_rgb(img: Image.Image) -> Image.Image:
    """Flatten transparency onto white and convert to RGB (JPEG has no alpha)."""
    if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
        rgba = img.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    if img.mode != "RGB":
        return img.convert("RGB")
    return img


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
    transaction; the rows roll back with it (a file already written stays as an orphan that
    ``MEDIA_ROOT`` clean-up may remove)."""
    photos = check_photos(files)
    uploader = actor if getattr(actor, "is_authenticated", False) else None
    saved: list[CaseAttachment] = []
    for photo in photos:
        attachment = CaseAttachment(
            case=case,
            event=event,
            content_type=photo.content_type,
            size=photo.size,
            width=photo.width,
            height=photo.height,
            sha256=photo.sha256,
            uploaded_by=uploader,
        )
        attachment.file.save("photo.jpg", ContentFile(photo.content), save=False)
        attachment.save()
        saved.append(attachment)
    return saved
