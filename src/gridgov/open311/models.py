"""Open311 GeoReport v2 clients: the API keys civic apps use to submit service requests.

Only a SHA-256 digest of a key is stored (like :class:`gridgov.accounts.models.ApiToken`); the raw
key is shown once, when it is created (``gridgov open311-key create``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Open311Client(models.Model):
    """One civic client (an app, a partner website …) allowed to POST service requests."""

    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("key prefix"), max_length=16, db_index=True, editable=False)
    digest = models.CharField(max_length=64, unique=True, editable=False)
    is_active = models.BooleanField(_("active"), default=True)
    # When set, the client may only report points inside this area's subtree.
    area = models.ForeignKey(
        "areas.Area",
        verbose_name=_("may report into"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("Open311 client")
        verbose_name_plural = _("Open311 clients")
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class Open311Request(models.Model):
    """Which client submitted which case (one row per case reported through Open311)."""

    client = models.ForeignKey(
        Open311Client,
        verbose_name=_("Open311 client"),
        on_delete=models.PROTECT,
        related_name="requests",
    )
    case = models.OneToOneField(
        "cases.Case", verbose_name=_("case"), on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("Open311 request")
        verbose_name_plural = _("Open311 requests")

    def __str__(self) -> str:
        return f"{self.client_id} → {self.case_id}"
