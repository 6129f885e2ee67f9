"""Who mediates: dispute types (data), committees, rooms and mediators."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from gridgov.accounts.roles import Perm
from gridgov.core import pii
from gridgov.kernel.scoped import AreaScoped
from gridgov.mediation.choices import MediatorKind


class DisputeType(models.Model):
    """A kind of dispute (婚姻家庭, 邻里, 物业 …): data, editable by administrators. Its
    deadline (working days) applies to disputes of the type; ``sensitive`` ones (family
    disputes) are seen only by mediation roles."""

    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=50)
    deadline_days = models.PositiveSmallIntegerField(_("deadline (working days)"), default=30)
    sensitive = models.BooleanField(_("sensitive by default"), default=False)
    active = models.BooleanField(_("in use"), default=True)
    sort = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("dispute type")
        verbose_name_plural = _("dispute types")
        ordering = ["sort", "code"]

    def __str__(self) -> str:
        return self.name


class Committee(AreaScoped):
    """A people's mediation committee (人民调解委员会) of a village, community, street or trade."""

    view_perm: ClassVar[str] = Perm.MEDIATION_VIEW

    name = models.CharField(_("name"), max_length=100)
    area = models.ForeignKey(
        "areas.Area", verbose_name=_("area"), on_delete=models.PROTECT, related_name="+"
    )
    area_path = models.CharField(max_length=255, editable=False, db_index=True)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("mediation committee")
        verbose_name_plural = _("mediation committees")
        ordering = ["area_path", "name"]

    def __str__(self) -> str:
        return self.name


class MediationRoom(AreaScoped):
    """A named mediation room (e.g. 马建才调解室, 石榴籽调解室) at an area."""

    view_perm: ClassVar[str] = Perm.MEDIATION_VIEW

    name = models.CharField(_("name"), max_length=100)
    committee = models.ForeignKey(
        Committee,
        verbose_name=_("committee"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="rooms",
    )
    area = models.ForeignKey(
        "areas.Area", verbose_name=_("area"), on_delete=models.PROTECT, related_name="+"
    )
    area_path = models.CharField(max_length=255, editable=False, db_index=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    description = models.TextField(_("description"), blank=True)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("mediation room")
        verbose_name_plural = _("mediation rooms")
        ordering = ["area_path", "name"]

    def __str__(self) -> str:
        return self.name


class Mediator(AreaScoped):
    """A mediator: a people's mediator, a village worthy, a lawyer, a police liaison … linked to
    an account (who then acts in the platform with the ``mediator`` role) and/or a roster
    resident. The phone number is personal data (encrypted, masked)."""

    view_perm: ClassVar[str] = Perm.MEDIATION_VIEW
    PERSONAL_DATA: ClassVar[tuple[pii.Personal, ...]] = (
        pii.Personal("name", pii.Kind.NAME, encrypted=False),
        pii.Personal("phone", pii.Kind.PHONE),
    )

    name = models.CharField(_("name"), max_length=50)
    kind = models.CharField(
        _("kind"), max_length=10, choices=MediatorKind.choices, default=MediatorKind.PEOPLE
    )
    committee = models.ForeignKey(
        Committee,
        verbose_name=_("committee"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="mediators",
    )
    room = models.ForeignKey(
        MediationRoom,
        verbose_name=_("room"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="mediators",
    )
    area = models.ForeignKey(
        "areas.Area", verbose_name=_("area"), on_delete=models.PROTECT, related_name="+"
    )
    area_path = models.CharField(max_length=255, editable=False, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="mediator_profiles",
    )
    resident = models.ForeignKey(
        "rosters.Resident",
        verbose_name=_("roster resident"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    phone_enc = models.TextField(blank=True, editable=False)
    phone_hash = models.CharField(max_length=64, blank=True, editable=False)
    phone_masked = models.CharField(_("phone"), max_length=20, blank=True, editable=False)
    specialty = models.CharField(_("specialty"), max_length=100, blank=True)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("mediator")
        verbose_name_plural = _("mediators")
        ordering = ["area_path", "name"]

    def __str__(self) -> str:
        return self.name
