"""Screening (摸排): periodic rounds in which every grid files a return — the disputes found,
or "nothing found"."""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from gridgov.accounts.roles import Perm
from gridgov.kernel.scoped import AreaScoped
from gridgov.kernel.timeline import TimelineEntry
from gridgov.mediation.choices import Period


class ScreeningPlan(AreaScoped):
    """The schedule of an area (a street, a community …): while ``active``, the worker opens a
    round of every ``period`` (weekly: Monday to Sunday; monthly: the calendar month) for the
    grids under ``area`` (:func:`gridgov.mediation.screening.services.screening_rounds_open_due`).
    Edited by holders of ``mediation.manage`` there."""

    view_perm: ClassVar[str] = Perm.MEDIATION_VIEW
    action_perms: ClassVar[dict[str, str]] = {"change": Perm.MEDIATION_MANAGE}

    area = models.OneToOneField(
        "areas.Area", verbose_name=_("area"), on_delete=models.PROTECT, related_name="+"
    )
    area_path = models.CharField(max_length=255, editable=False, db_index=True)
    period = models.CharField(
        _("period"), max_length=10, choices=Period.choices, default=Period.WEEKLY
    )
    active = models.BooleanField(_("active"), default=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("changed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("changed"), auto_now=True)

    class Meta:
        verbose_name = _("screening plan")
        verbose_name_plural = _("screening plans")
        ordering = ["area_path"]

    def __str__(self) -> str:
        return f"{self.area_id} {self.period}"


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
    # The client's key of the filing: the same filing sent again is answered, not repeated.
    client_key = models.CharField(max_length=64, blank=True, editable=False)

    class Meta:
        verbose_name = _("screening return")
        verbose_name_plural = _("screening returns")
        ordering = ["round", "area_path"]
        constraints = [
            models.UniqueConstraint(fields=["round", "area"], name="screening_return_unique")
        ]

    def __str__(self) -> str:
        return f"{self.round_id} {self.area_id}"


class ScreeningEvent(TimelineEntry):
    """One entry of a round's append-only timeline: opened, a return filed (the kernel's
    :class:`~gridgov.kernel.timeline.TimelineEntry`)."""

    class Action(models.TextChoices):
        OPENED = "opened", _("Round opened")
        FILED = "filed", _("Return filed")

    round = models.ForeignKey(
        ScreeningRound,
        verbose_name=_("round"),
        on_delete=models.CASCADE,
        related_name="events",
        db_index=False,
    )
    screening_return = models.ForeignKey(
        ScreeningReturn,
        verbose_name=_("screening return"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="events",
    )

    class Meta:
        verbose_name = _("screening event")
        verbose_name_plural = _("screening events")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["round", "at"], name="screening_event_at")]

    def __str__(self) -> str:
        return f"{self.round_id} {self.action} {self.at:%Y-%m-%d %H:%M}"

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise TypeError("A screening timeline is append-only.")
