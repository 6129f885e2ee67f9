"""The abstract attachment row.

**Why a foreign key per owner through an abstract base, not a generic relation.** A generic
relation (content type + object id) cannot be a real foreign key: the database would not cascade
or protect it, the owner's rows could not be joined or prefetched without the content-type
dance, and the scoping layer would have to resolve an arbitrary owner per row. Each owner's own
model (``CaseAttachment(Attachment)`` with ``case = ForeignKey(Case)``, later
``MediationAttachment`` …) keeps a real, indexed, cascading key, its own table of a size that
owner alone decides, and a typed ``owner`` whose ``visible_to`` scopes the download. The shared
part — columns, checks, storage, the download view — lives here once; a subclass names its key
in ``owner_field`` and its storage folder in :meth:`Attachment.storage_dir`.
"""

from __future__ import annotations

import secrets
from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    PHOTO = "photo", _("Photo")
    DOCUMENT = "document", _("Document")


# Extensions of the stored files by content type (what the content check found).
EXTENSIONS = {
    "image/jpeg": ".jpg",
    "application/pdf": ".pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
}


def attachment_path(instance: Attachment, filename: str) -> str:
    """``<owner folder>/<random>.<ext>``: never the uploader's file name (kept apart, for the
    download's Content-Disposition only)."""
    ext = EXTENSIONS.get(instance.content_type, ".bin")
    return f"{instance.storage_dir()}/{secrets.token_hex(8)}{ext}"


class Attachment(models.Model):
    """A checked file of some owner (see the module docstring)."""

    # The foreign key to the owner (an area-scoped model), named by each subclass.
    owner_field: ClassVar[str]

    file = models.FileField(_("file"), upload_to=attachment_path, max_length=200)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.PHOTO)
    content_type = models.CharField(max_length=100, default="image/jpeg")
    original_name = models.CharField(_("file name"), max_length=200, blank=True)
    size = models.PositiveIntegerField(default=0)
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        abstract = True
        ordering = ["id"]

    def __str__(self) -> str:
        return self.file.name or ""

    @property
    def owner(self) -> Any:
        return getattr(self, self.owner_field)

    def storage_dir(self) -> str:
        """The folder under ``MEDIA_ROOT`` (``<app>/<owner id>``)."""
        owner_id = getattr(self, f"{self.owner_field}_id")
        return f"{self._meta.app_label}/{owner_id}"

    @property
    def is_photo(self) -> bool:
        return self.kind == Kind.PHOTO
