"""Uploads checked by their content, never by their name or declared type.

A phone photo carries its GPS position, the camera's serial number and the time in its EXIF
block; a "photo" may be a renamed text file, a truncated upload or a decompression bomb; a
"PDF" may be a renamed program. Nothing but the bytes is trusted:

* **Images** (JPEG, PNG, WebP) are opened with Pillow restricted to those formats, refused over
  the size or pixel limit, turned by their EXIF orientation and re-encoded as a fresh JPEG
  (longest edge at most ``MAX_EDGE``) that carries no metadata at all.
* **PDF** needs the ``%PDF-1.x``/``%PDF-2.x`` header at the start and the ``%%EOF`` trailer
  near the end (a truncated upload has none).
* **DOCX / XLSX** must be a sound ZIP (every member's CRC checked, the unpacked size bounded
  against ZIP bombs) holding ``[Content_Types].xml`` that declares the Word or Excel main part,
  and that part itself; macro projects (``vbaProject.bin``) are refused.
* The file name's extension, when there is one, must agree with what the content is: a PDF
  named ``.docx`` or a program named ``.jpg`` is refused; programs (Windows ``MZ``, ELF,
  Mach-O, scripts) and old binary Office files are refused with a message that says so.

Limits (settings, with defaults): ``GRIDGOV_PHOTO_MAX_BYTES`` (10 MB), ``GRIDGOV_PHOTO_MAX_PIXELS``
(50 million), ``GRIDGOV_DOCUMENT_MAX_BYTES`` (20 MB).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import warnings
import zipfile
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from gridgov.core.errors import ValidationFailed
from gridgov.kernel.attachments.models import Kind

IMAGE_FORMATS = ("JPEG", "PNG", "WEBP")
MAX_EDGE = 2560
JPEG_QUALITY = 85

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
JPEG = "image/jpeg"

# What each content type may be called.
_EXTENSIONS: dict[str, tuple[str, ...]] = {
    JPEG: (".jpg", ".jpeg", ".png", ".webp", ".jfif"),
    PDF: (".pdf",),
    DOCX: (".docx",),
    XLSX: (".xlsx",),
}
# The main part an Office file of each type must declare and hold.
_OFFICE_MAIN = {
    DOCX: ("application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",),
    XLSX: ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",),
}
_PROGRAM_MAGIC = (
    b"MZ",
    b"\x7fELF",
    b"\xcf\xfa\xed\xfe",
    b"\xce\xfa\xed\xfe",
    b"\xca\xfe\xba\xbe",
    b"#!",
)
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAX_RATIO = 100  # unpacked bytes per packed byte, beyond which a ZIP is a bomb
_ZIP_MAX_MEMBERS = 10_000

_DEFAULT_PHOTO_MAX_BYTES = 10 * 1024 * 1024
_DEFAULT_PHOTO_MAX_PIXELS = 50_000_000
_DEFAULT_DOCUMENT_MAX_BYTES = 20 * 1024 * 1024


def photo_max_bytes() -> int:
    return int(getattr(settings, "GRIDGOV_PHOTO_MAX_BYTES", _DEFAULT_PHOTO_MAX_BYTES))


def photo_max_pixels() -> int:
    return int(getattr(settings, "GRIDGOV_PHOTO_MAX_PIXELS", _DEFAULT_PHOTO_MAX_PIXELS))


def document_max_bytes() -> int:
    return int(getattr(settings, "GRIDGOV_DOCUMENT_MAX_BYTES", _DEFAULT_DOCUMENT_MAX_BYTES))


@dataclass(frozen=True)
class CheckedFile:
    """An upload that passed its check: the bytes to store (re-encoded for a photo)."""

    content: bytes
    kind: str  # Kind.PHOTO or Kind.DOCUMENT
    content_type: str
    sha256: str  # of ``content``: the same picture always gives the same hash
    width: int = 0
    height: int = 0
    source_format: str = ""  # what the upload really was: "JPEG", "PNG", "WEBP", "PDF" …
    name: str = ""  # the uploader's file name (for display and download only)

    @property
    def size(self) -> int:
        return len(self.content)


def bad(message: str, name: str = "", *, code: str, field: str) -> ValidationFailed:
    text = _("%(name)s: %(message)s") % {"name": name, "message": message} if name else message
    return ValidationFailed(text, code=code, fields={field: text})


def read_upload(file: Any, limit: int, *, code: str, field: str) -> tuple[bytes, str]:
    """The bytes of ``file`` (bytes, an uploaded file or any binary file object), at most
    ``limit + 1`` of them so an oversized upload is never read whole, and its base name."""
    if isinstance(file, bytes | bytearray | memoryview):
        return bytes(file[: limit + 1]), ""
    name = str(getattr(file, "name", "") or "").replace("\\", "/").rsplit("/", 1)[-1]
    declared = getattr(file, "size", None)
    if isinstance(declared, int) and declared > limit:
        return b"\0" * (limit + 1), name
    if hasattr(file, "seek"):
        with contextlib.suppress(OSError, ValueError):
            file.seek(0)
    data = file.read(limit + 1)
    if not isinstance(data, bytes):
        raise bad(_("The upload is not a file."), name, code=code, field=field)
    return data, name


def _too_large(limit: int) -> str:
    return _("The file is larger than %(mb)s MB.") % {"mb": round(limit / 1024 / 1024, 1)}


def _extension(name: str) -> str:
    base = name.rsplit("/", 1)[-1]
    return "." + base.rsplit(".", 1)[-1].lower() if "." in base else ""


# --- images ------------------------------------------------------------------------------------


def check_image(data: bytes, name: str = "", *, code: str, field: str) -> CheckedFile:
    """Check image bytes and return them re-encoded as a metadata-free JPEG."""
    limit = photo_max_bytes()
    if not data:
        raise bad(_("The file is empty."), name, code=code, field=field)
    if len(data) > limit:
        raise bad(_too_large(limit), name, code=code, field=field)
    not_image = _("The file is not a JPEG, PNG or WebP image.")
    try:
        with warnings.catch_warnings():
            # Pillow warns (and past twice the limit raises) on huge images; refuse both.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img: Image.Image = Image.open(io.BytesIO(data), formats=list(IMAGE_FORMATS))
            source_format = str(img.format or "")
            width, height = img.size
            if width <= 0 or height <= 0:
                raise bad(not_image, name, code=code, field=field)
            if width * height > photo_max_pixels():
                raise bad(
                    _("The image has too many pixels (%(w)s × %(h)s).") % {"w": width, "h": height},
                    name,
                    code=code,
                    field=field,
                )
            img.load()  # decodes everything: a truncated file fails here
            img = ImageOps.exif_transpose(img) or img
            img = _to_rgb(img)
            img.thumbnail((MAX_EDGE, MAX_EDGE), Image.Resampling.LANCZOS)
            out = io.BytesIO()
            # Pillow writes a JPEG comment and ICC profile it finds in ``info`` unless told
            # otherwise: empty it, and pass no exif=: the new file carries no metadata at all.
            img.info = {}
            img.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True, comment=b"")
    except ValidationFailed:
        raise
    except (Image.DecompressionBombWarning, Image.DecompressionBombError) as exc:
        raise bad(_("The image has too many pixels."), name, code=code, field=field) from exc
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError) as exc:
        # Truncated or corrupt image data ends up here as OSError/SyntaxError.
        message = not_image if isinstance(exc, UnidentifiedImageError) else None
        raise bad(
            message or _("The image is damaged or incomplete; take or choose it again."),
            name,
            code=code,
            field=field,
        ) from exc
    content = out.getvalue()
    return CheckedFile(
        content=content,
        kind=Kind.PHOTO,
        content_type=JPEG,
        sha256=hashlib.sha256(content).hexdigest(),
        width=img.width,
        height=img.height,
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


# --- documents ---------------------------------------------------------------------------------


def _sniff_document(data: bytes) -> str | None:
    """The document type the bytes claim by their first bytes (checked further after)."""
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(b"PK\x03\x04"):
        return "zip"
    return None


def _check_pdf(data: bytes) -> bool:
    head_ok = len(data) > 8 and data[5:6] in (b"1", b"2") and data[6:7] == b"."
    return head_ok and b"%%EOF" in data[-1024:]


def _check_office(data: bytes) -> str | None:
    """DOCX or XLSX when the ZIP is sound and declares and holds the main part; else None."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
            if len(infos) > _ZIP_MAX_MEMBERS:
                return None
            unpacked = sum(i.file_size for i in infos)
            if unpacked > max(len(data), 1) * _ZIP_MAX_RATIO:
                return None
            names = {i.filename for i in infos}
            if "[Content_Types].xml" not in names or any(
                n.lower().endswith("vbaproject.bin") for n in names
            ):
                return None
            types = archive.read("[Content_Types].xml").decode("utf-8", "replace")
            if archive.testzip() is not None:
                return None
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        return None
    for content_type, mains in _OFFICE_MAIN.items():
        if any(m in types for m in mains):
            part = "word/document.xml" if content_type == DOCX else "xl/workbook.xml"
            return content_type if part in names else None
    return None


def check_document(data: bytes, name: str = "", *, code: str, field: str) -> CheckedFile:
    """Check PDF/DOCX/XLSX bytes; stored as they are (the content was proven, not rewritten)."""
    limit = document_max_bytes()
    if not data:
        raise bad(_("The file is empty."), name, code=code, field=field)
    if len(data) > limit:
        raise bad(_too_large(limit), name, code=code, field=field)
    sniffed = _sniff_document(data)
    content_type: str | None = None
    if sniffed == PDF and _check_pdf(data):
        content_type = PDF
    elif sniffed == "zip":
        content_type = _check_office(data)
    if content_type is None:
        raise bad(
            _("The file is not a readable PDF, DOCX or XLSX document."),
            name,
            code=code,
            field=field,
        )
    return CheckedFile(
        content=data,
        kind=Kind.DOCUMENT,
        content_type=content_type,
        sha256=hashlib.sha256(data).hexdigest(),
        source_format=_EXTENSIONS[content_type][0].lstrip(".").upper(),
        name=name,
    )


# --- any upload --------------------------------------------------------------------------------


def check_upload(
    file: Any,
    *,
    kinds: tuple[str, ...] = (Kind.PHOTO, Kind.DOCUMENT),
    code: str = "bad_file",
    field: str = "files",
) -> CheckedFile:
    """Check one upload of the given kinds by its content; :class:`ValidationFailed` (``code``,
    the message under ``field``) for anything else, a disguised file included."""
    if isinstance(file, CheckedFile):
        return file
    limit = max(photo_max_bytes(), document_max_bytes())
    data, name = read_upload(file, limit, code=code, field=field)
    return check_bytes(data, name, kinds=kinds, code=code, field=field)


def check_bytes(
    data: bytes, name: str = "", *, kinds: tuple[str, ...], code: str, field: str
) -> CheckedFile:
    """:func:`check_upload` of bytes already read (``name``: the uploader's file name)."""
    if not data:
        raise bad(_("The file is empty."), name, code=code, field=field)
    if data.startswith(_PROGRAM_MAGIC):
        raise bad(_("Programs and scripts cannot be uploaded."), name, code=code, field=field)
    if data.startswith(_OLE_MAGIC):
        raise bad(
            _("Old Word/Excel files (DOC, XLS) are not accepted; save the file as DOCX or XLSX."),
            name,
            code=code,
            field=field,
        )
    if _sniff_document(data) is not None:
        if Kind.DOCUMENT not in kinds:
            raise bad(_("The file is not a JPEG, PNG or WebP image."), name, code=code, field=field)
        checked = check_document(data, name, code=code, field=field)
    elif Kind.PHOTO in kinds:
        checked = check_image(data, name, code=code, field=field)
    else:
        raise bad(
            _("The file is not a readable PDF, DOCX or XLSX document."),
            name,
            code=code,
            field=field,
        )
    ext = _extension(name)
    if ext and ext not in _EXTENSIONS[checked.content_type]:
        raise bad(
            _("The file's content does not match its name (%(ext)s); it may be disguised.")
            % {"ext": ext},
            name,
            code=code,
            field=field,
        )
    return checked
