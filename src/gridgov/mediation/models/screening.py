"""Screening (摸排): periodic rounds in which every grid files a return — the disputes found,
or "nothing found"."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from gridgov.accounts.roles import Perm
from gridgov.kernel.scoped import AreaScoped
from gridgov.mediation.choices import Period


class ScreeningRound(AreaScoped):
    """One round (e.g. the week of 7 December) launched for the grids under ``area`` (a street,
    a community …): each grid below owes one :class:`ScreeningReturn` by ``due_on``."""

    view_perm: ClassVar[str] = Perm.MEDIATION_VIEW

    title = models.CharField(_("title"), max_length=100)
    period = models.CharField(
        _("period"), max_length=10, choices=Period.choices, default=Period.WEEKLY
    )
    area = models.ForeignKey(
        "areas.Area", verbose_name=_("area"), on_delete=models.PROTECT, related_name="+"
    )
    area_path = models.CharField(max_length=255, editable=False, db_index=True)
    starts_on = models.DateField(_("starts on"))
    due_on = models.DateField(_("due on"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("screening round")
        verbose_name_plural = _("screening rounds")
        ordering = ["-starts_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["area", "period", "starts_on"], name="screening_round_unique"
            )
        ]

    def __str__(self) -> str:
        return self.title


class ScreeningReturn(AreaScoped):
    """A grid's return for a round: ``filed_at`` empty until filed; ``nothing_found`` or the
    disputes it registered (``Dispute.screening_return``)."""

    view_perm: ClassVar[str] = Perm.MEDIATION_VIEW

    round = models.ForeignKey(
        ScreeningRound, verbose_name=_("round"), on_delete=models.CASCADE, related_name="returns"
    )
    area = models.ForeignKey(
        "areas.Area", verbose_name=_("grid"), on_delete=models.PROTECT, related_name="+"
    )
    area_path = models.CharField(max_length=255, editable=False, db_index=True)
    filed_at = models.DateTimeField(_("filed"), null=True, blank=True)
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("filed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    nothing_found = models.BooleanField(_("nothing found"), default=False)
    note = models.TextField(_("note"), blank=True)
    late = models.BooleanField(_("filed late"), default=False)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("screening return")
        verbose_name_plural = _("screening returns")
        ordering = ["round", "area_path"]
        constraints = [
            models.UniqueConstraint(fields=["round", "area"], name="screening_return_unique")
        ]

    def __str__(self) -> str:
        return f"{self.round_id} {self.area_id}"
