"""The dispute register (矛盾纠纷台账): disputes, their parties, sessions, follow-ups, timeline
and attachments."""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from gridgov.accounts.roles import Perm
from gridgov.core import pii
from gridgov.kernel.attachments.models import Attachment
from gridgov.kernel.scoped import AreaScoped, PathScoped
from gridgov.kernel.timeline import TimelineEntry
from gridgov.mediation.choices import (
    Outcome,
    PartyRole,
    Performance,
    ReferredTo,
    Risk,
    Source,
    Status,
)
from gridgov.mediation.models.orgs import DisputeType, MediationRoom, Mediator


def _has(field: str) -> models.Q:
    return models.Q(**{f"{field}__isnull": False})


class Dispute(AreaScoped):
    """One dispute. ``version`` is bumped by every action (optimistic concurrency). Lives at the
    grid (or higher area) where it arose; ``sensitive`` disputes (family matters) are seen only
    by holders of ``mediation.sensitive`` there."""

    view_perm: ClassVar[str] = Perm.MEDIATION_VIEW

    number = models.CharField(_("dispute number"), max_length=20, unique=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.REGISTERED
    )
    version = models.PositiveIntegerField(_("version"), default=1)
    type = models.ForeignKey(
        DisputeType, verbose_name=_("dispute type"), on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("title"), max_length=200)
    summary = models.TextField(_("what happened"), blank=True)
    place = models.CharField(_("place"), max_length=200, blank=True)
    amount = models.DecimalField(
        _("amount involved (yuan)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    risk = models.CharField(
        _("risk level"), max_length=10, choices=Risk.choices, default=Risk.GREEN
    )
    risk_reasons = models.TextField(_("risk reasons"), blank=True)
    source = models.CharField(_("source"), max_length=20, choices=Source.choices)
    sensitive = models.BooleanField(_("sensitive"), default=False)

    area = models.ForeignKey(
        "areas.Area", verbose_name=_("area"), on_delete=models.PROTECT, related_name="+"
    )
    area_path = models.CharField(max_length=255, editable=False)  # indexed by Meta.indexes

    # Who registered it (a grid worker's screening, staff at a walk-in …).
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("registered by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    screening_return = models.ForeignKey(
        "mediation.ScreeningReturn",
        verbose_name=_("screening return"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="disputes",
    )
    # Who mediates: a room and the lead mediator.
    room = models.ForeignKey(
        MediationRoom,
        verbose_name=_("mediation room"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="disputes",
    )
    mediator = models.ForeignKey(
        Mediator,
        verbose_name=_("mediator"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="disputes",
    )

    # Clock (aware datetimes); the deadline counts working days (gridgov.workcal).
    registered_at = models.DateTimeField(_("registered"))
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    assigned_at = models.DateTimeField(_("assigned"), null=True, blank=True)
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    deadline_provisional = models.BooleanField(_("deadline provisional"), default=False)
    overdue = models.BooleanField(_("overdue"), default=False)
    # The next moment the sweep must look at this dispute (NULL: nothing pending).
    watch_at = models.DateTimeField(null=True, blank=True, editable=False)
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices, blank=True)
    outcome_at = models.DateTimeField(_("outcome recorded"), null=True, blank=True)
    outcome_note = models.TextField(_("outcome note"), blank=True)
    # Not accepted, or not settled: where it went and the receiving body.
    referred_to = models.CharField(
        _("referred to"), max_length=20, choices=ReferredTo.choices, blank=True
    )
    referred_body = models.CharField(_("receiving body"), max_length=100, blank=True)
    performance = models.CharField(
        _("performance of the agreement"), max_length=10, choices=Performance.choices, blank=True
    )
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    # A pending extension request: {"days": 10, "reason": "…", "by": user id, "at": iso time}.
    pending_extension = models.JSONField(default=dict, blank=True, editable=False)
    extended_days = models.PositiveSmallIntegerField(_("days extended"), default=0)
    urge_count = models.PositiveSmallIntegerField(_("times urged"), default=0)

    # Links with cases: converted from a case; a case opened for a department.
    from_case = models.ForeignKey(
        "cases.Case",
        verbose_name=_("converted from case"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="mediations",
        db_index=False,
    )
    opened_case = models.ForeignKey(
        "cases.Case",
        verbose_name=_("case opened for a department"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )

    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("dispute")
        verbose_name_plural = _("disputes")
        ordering = ["-registered_at", "-id"]
        indexes = [
            models.Index(fields=["area_path", "registered_at"], name="dispute_path_registered"),
            models.Index(fields=["status", "area_path"], name="dispute_status_path"),
            models.Index(fields=["risk", "status"], name="dispute_risk_status"),
            models.Index(fields=["watch_at"], name="dispute_watch_set", condition=_has("watch_at")),
            models.Index(
                fields=["from_case"], name="dispute_from_case_set", condition=_has("from_case")
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    # Sensitive disputes (family matters) are seen only by holders of mediation.sensitive at
    # their area: every list, count and single read goes through these two.
    @classmethod
    def scope_q(cls, user: Any, perm: str, *, use_index: bool = True) -> models.Q:
        from gridgov.accounts import scoping

        base = super().scope_q(user, perm, use_index=use_index)
        if scoping.is_global(user):
            return base
        sensitive = scoping.scope_q(
            user, Perm.MEDIATION_SENSITIVE, path_field="area_path", use_index=use_index
        )
        return base & (models.Q(sensitive=False) | sensitive)

    def allows(self, user: Any, perm: str) -> bool:
        from gridgov.accounts import scoping

        if not super().allows(user, perm):
            return False
        return not self.sensitive or scoping.can_path(
            user, Perm.MEDIATION_SENSITIVE, self.area_path
        )


class DisputeSequence(models.Model):
    """Per-day counter behind dispute numbers (``TJ`` + ``yyyymmdd`` + 4-digit sequence),
    bumped in the registering transaction so numbers stay unique under concurrency."""

    day = models.DateField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("dispute number sequence")

    def __str__(self) -> str:
        return f"{self.day}: {self.last}"


class DisputeKey(models.Model):
    """The dispute a client's registration key made, so a retried registration returns it.
    ``scope`` says who sent it (``user:<id>``); ``fingerprint`` hashes the request, so the same
    key with another request is refused."""

    scope = models.CharField(max_length=80)
    key = models.CharField(max_length=200)
    fingerprint = models.CharField(max_length=64)
    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("dispute registration key")
        constraints = [models.UniqueConstraint(fields=["scope", "key"], name="dispute_key_unique")]

    def __str__(self) -> str:
        return f"{self.scope} {self.key}"


class DisputeParty(PathScoped):
    """A party to a dispute: a roster resident or an outsider. ID number and phone are personal
    data: encrypted, hashed for look-up and masked, like the rosters."""

    path_source: ClassVar[str] = "dispute"
    view_perm: ClassVar[str] = Perm.MEDIATION_VIEW
    PERSONAL_DATA: ClassVar[tuple[pii.Personal, ...]] = (
        pii.Personal("name", pii.Kind.NAME, encrypted=False),
        pii.Personal("id_number", pii.Kind.ID_NUMBER),
        pii.Personal("phone", pii.Kind.PHONE),
    )

    dispute = models.ForeignKey(
        Dispute, verbose_name=_("dispute"), on_delete=models.CASCADE, related_name="parties"
    )
    role = models.CharField(
        _("role"), max_length=12, choices=PartyRole.choices, default=PartyRole.APPLICANT
    )
    resident = models.ForeignKey(
        "rosters.Resident",
        verbose_name=_("roster resident"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    name = models.CharField(_("name"), max_length=50)
    id_number_enc = models.TextField(blank=True, editable=False)
    id_number_hash = models.CharField(max_length=64, blank=True, editable=False, db_index=True)
    id_number_masked = models.CharField(_("ID number"), max_length=20, blank=True, editable=False)
    phone_enc = models.TextField(blank=True, editable=False)
    phone_hash = models.CharField(max_length=64, blank=True, editable=False)
    phone_masked = models.CharField(_("phone"), max_length=20, blank=True, editable=False)
    address = models.CharField(_("address"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("party")
        verbose_name_plural = _("parties")
        ordering = ["dispute", "id"]

    def __str__(self) -> str:
        return self.name

    # A sensitive dispute's parties are as hidden as the dispute.
    @classmethod
    def scope_q(cls, user: Any, perm: str, *, use_index: bool = True) -> models.Q:
        from gridgov.accounts import scoping

        base = super().scope_q(user, perm, use_index=use_index)
        if scoping.is_global(user):
            return base
        sensitive = scoping.scope_q(
            user, Perm.MEDIATION_SENSITIVE, path_field="area_path", use_index=use_index
        )
        return base & (models.Q(dispute__sensitive=False) | sensitive)

    def allows(self, user: Any, perm: str) -> bool:
        return super().allows(user, perm) and self.dispute.allows(user, perm)


class MediationSession(models.Model):
    """One mediation session (调解会): when, where, who attended, the minutes."""

    dispute = models.ForeignKey(
        Dispute, verbose_name=_("dispute"), on_delete=models.CASCADE, related_name="sessions"
    )
    held_at = models.DateTimeField(_("held at"))
    place = models.CharField(_("place"), max_length=200, blank=True)
    attendees = models.TextField(_("attendees"), blank=True)
    minutes = models.TextField(_("minutes"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("mediation session")
        verbose_name_plural = _("mediation sessions")
        ordering = ["dispute", "held_at", "id"]

    def __str__(self) -> str:
        return f"{self.dispute_id} {self.held_at:%Y-%m-%d}"


class FollowUp(models.Model):
    """A follow-up visit (回访) after the outcome, with how the agreement is being performed."""

    dispute = models.ForeignKey(
        Dispute, verbose_name=_("dispute"), on_delete=models.CASCADE, related_name="follow_ups"
    )
    visited_at = models.DateTimeField(_("visited at"))
    performance = models.CharField(
        _("performance"), max_length=10, choices=Performance.choices, blank=True
    )
    note = models.TextField(_("note"), blank=True)
    visited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("visited by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("follow-up visit")
        verbose_name_plural = _("follow-up visits")
        ordering = ["dispute", "visited_at", "id"]

    def __str__(self) -> str:
        return f"{self.dispute_id} {self.visited_at:%Y-%m-%d}"


class DisputeEvent(TimelineEntry):
    """One entry of a dispute's append-only timeline (the kernel's
    :class:`~gridgov.kernel.timeline.TimelineEntry`)."""

    dispute = models.ForeignKey(
        Dispute,
        verbose_name=_("dispute"),
        on_delete=models.CASCADE,
        related_name="events",
        db_index=False,
    )

    class Meta:
        verbose_name = _("dispute event")
        verbose_name_plural = _("dispute events")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["dispute", "at"], name="dispute_event_at")]

    def __str__(self) -> str:
        return f"{self.dispute_id} {self.action} {self.at:%Y-%m-%d %H:%M}"

    # The labels the kernel's timeline shows (the actions live with the workflow's table).
    def get_action_display(self) -> str:
        from gridgov.mediation.disputes.workflow import action_label

        return action_label(self.action)

    def get_from_status_display(self) -> str:
        return _status_label(self.from_status)

    def get_to_status_display(self) -> str:
        return _status_label(self.to_status)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise TypeError("A dispute timeline is append-only.")


def _status_label(value: str) -> str:
    return str(Status(value).label) if value in Status.values else value


class DisputeAttachment(Attachment):
    """A photo or document of a dispute (a signed agreement scan, evidence …), optionally tied
    to a session or a timeline entry; stored under ``mediation/<dispute id>/``."""

    owner_field: ClassVar[str] = "dispute"

    dispute = models.ForeignKey(
        Dispute, verbose_name=_("dispute"), on_delete=models.CASCADE, related_name="attachments"
    )
    session = models.ForeignKey(
        MediationSession,
        verbose_name=_("session"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="attachments",
    )
    event = models.ForeignKey(
        DisputeEvent,
        verbose_name=_("timeline entry"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="attachments",
    )
    # Which generated document a signed scan answers (application, record, agreement), if any.
    document_kind = models.CharField(_("document"), max_length=20, blank=True)

    class Meta(Attachment.Meta):
        verbose_name = _("dispute attachment")
        verbose_name_plural = _("dispute attachments")
