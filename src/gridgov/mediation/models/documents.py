"""Editable DOCX templates of the mediation documents (application, record, agreement)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from gridgov.mediation.choices import DocumentKind


class DocumentTemplate(models.Model):
    """An uploaded DOCX template (docxtpl placeholders) replacing the built-in one of its kind.
    The newest active template of a kind is used; none: the built-in template."""

    kind = models.CharField(_("document"), max_length=20, choices=DocumentKind.choices)
    name = models.CharField(_("name"), max_length=100)
    file = models.FileField(_("file"), upload_to="mediation/templates/", max_length=200)
    active = models.BooleanField(_("in use"), default=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        verbose_name = _("document template")
        verbose_name_plural = _("document templates")
        ordering = ["kind", "-created_at"]

    def __str__(self) -> str:
        return self.name
