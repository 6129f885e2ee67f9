"""The one download of attachments: through the owner's scoping, never a public media URL."""

from __future__ import annotations

import re
import unicodedata

from django.apps import apps
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from gridgov.core.errors import NotFound
from gridgov.kernel.attachments.models import EXTENSIONS, Attachment
from gridgov.kernel.scoped import PathScoped

_UNSAFE = re.compile(r'[\x00-\x1f\x7f"\\/:*?<>|;]+')


def safe_filename(name: str, content_type: str, fallback: str) -> str:
    """A download name that cannot break the header or a file system: no path, no control or
    quoting characters, at most 100 characters, ending in the extension of what the file really
    is (``fallback`` when nothing usable is left)."""
    ext = EXTENSIONS.get(content_type, ".bin")
    base = unicodedata.normalize("NFC", name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = _UNSAFE.sub("_", base).strip(" ._")
    stem = base.rsplit(".", 1)[0] if "." in base else base
    stem = stem.strip(" ._")[:100] or fallback
    return f"{stem}{ext}"


def _attachment_model(label: str) -> type[Attachment]:
    try:
        model = apps.get_model(label)
    except (LookupError, ValueError):
        raise Http404 from None
    if not issubclass(model, Attachment):
        raise Http404
    return model


@never_cache
@login_required
def download(request: HttpRequest, model: str, pk: int) -> FileResponse:
    """Stream attachment ``pk`` of model ``model`` (``app_label.model``) when the user may see
    its owner (the owner model's ``get_visible``); 404 otherwise, as for a missing file."""
    attachment_model = _attachment_model(model)
    row = attachment_model.objects.filter(pk=pk).first()  # type: ignore[attr-defined]
    if row is None or not row.file:
        raise Http404(_("No such file."))
    owner_field = attachment_model._meta.get_field(attachment_model.owner_field)
    owner_model = owner_field.related_model
    if not (isinstance(owner_model, type) and issubclass(owner_model, PathScoped)):
        raise Http404(_("No such file."))
    try:
        owner_model.objects.get_visible(
            request.user,
            "view",
            getattr(row, owner_field.attname),  # type: ignore[union-attr]
        )
    except NotFound as exc:
        raise Http404(exc.message) from exc
    try:
        handle = row.file.open("rb")
    except OSError as exc:
        raise Http404(_("No such file.")) from exc
    content_type = (
        row.content_type if row.content_type in EXTENSIONS else "application/octet-stream"
    )
    response = FileResponse(
        handle,
        content_type=content_type,
        as_attachment=not row.is_photo,
        filename=safe_filename(
            row.original_name, row.content_type, f"{owner_model._meta.model_name}-{row.pk}"
        ),
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
