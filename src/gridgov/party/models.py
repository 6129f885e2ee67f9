"""Party organisations (党组织) attached to areas, members, transfers, 双报到 and meetings.

The organisation tree mirrors the area tree (社区党委 → 网格党支部 → 楼栋党小组) but is its own
tree: each organisation hangs under a parent organisation and is attached to an area, whose path
it copies for scoping. Members' ID and phone numbers are protected like residents' (see
:mod:`gridgov.rosters.idnumbers`).
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gridgov.accounts.roles import Perm
from gridgov.core import pii
from gridgov.kernel.scoped import AreaScoped, PathScoped

_AREA = "areas.Area"
_USER = settings.AUTH_USER_MODEL


class OrgKind(models.TextChoices):
    COMMITTEE = "committee", _("Party committee (党委)")
    GENERAL_BRANCH = "general_branch", _("General party branch (党总支)")
    BRANCH = "branch", _("Party branch (党支部)")
    GROUP = "group", _("Party group (党小组)")


# Which kinds may hang under which.
ALLOWED_PARENT_KINDS: dict[str, tuple[str, ...]] = {
    OrgKind.COMMITTEE: ("", OrgKind.COMMITTEE),
    OrgKind.GENERAL_BRANCH: ("", OrgKind.COMMITTEE),
    OrgKind.BRANCH: ("", OrgKind.COMMITTEE, OrgKind.GENERAL_BRANCH),
    OrgKind.GROUP: (OrgKind.BRANCH,),
}


class PartyOrg(AreaScoped):
    view_perm: ClassVar[str] = Perm.PARTY_VIEW

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=OrgKind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent organisation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    area = models.ForeignKey(
        _AREA, verbose_name=_("area"), on_delete=models.PROTECT, related_name="party_orgs"
    )
    area_path = models.CharField(max_length=255, editable=False, db_index=True)
    secretary = models.CharField(_("secretary"), max_length=50, blank=True)
    established_on = models.DateField(_("established on"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("party organisation")
        verbose_name_plural = _("party organisations")
        ordering = ["area_path", "kind", "name"]

    def __str__(self) -> str:
        return self.name


class MemberStatus(models.TextChoices):
    FULL = "full", _("Full member (正式党员)")
    PROBATIONARY = "probationary", _("Probationary member (预备党员)")


class PartyMember(PathScoped):
    view_perm: ClassVar[str] = Perm.PARTY_VIEW
    path_source: ClassVar[str] = "org"
    PERSONAL_DATA: ClassVar[tuple[pii.Personal, ...]] = (
        pii.Personal("name", pii.Kind.NAME, encrypted=False),
        pii.Personal("id_number", pii.Kind.ID_NUMBER),
        pii.Personal("phone", pii.Kind.PHONE),
    )

    org = models.ForeignKey(
        PartyOrg, verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="members"
    )
    area_path = models.CharField(max_length=255, editable=False, db_index=True)  # the org's
    resident = models.OneToOneField(
        "rosters.Resident",
        verbose_name=_("resident"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="party_member",
    )
    name = models.CharField(_("name"), max_length=50)
    id_number_enc = models.TextField(editable=False)
    id_number_hash = models.CharField(max_length=64, editable=False)
    id_number_masked = models.CharField(_("ID number"), max_length=20, editable=False)
    gender = models.CharField(_("gender"), max_length=1)
    birth_date = models.DateField(_("birth date"))
    phone_enc = models.TextField(blank=True, editable=False)
    phone_hash = models.CharField(max_length=64, blank=True, editable=False)
    phone_masked = models.CharField(_("phone"), max_length=20, blank=True, editable=False)
    status = models.CharField(_("status"), max_length=20, choices=MemberStatus.choices)
    joined_on = models.DateField(_("joined the Party on"))
    confirmed_on = models.DateField(_("became a full member on"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    left_on = models.DateField(_("left on"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("party member")
        verbose_name_plural = _("party members")
        constraints = [
            models.UniqueConstraint(fields=["id_number_hash"], name="partymember_unique_id")
        ]

    def __str__(self) -> str:
        # Never the clear name: __str__ ends up in admin titles and audit targets.
        return f"#{self.pk}"


class MemberTransfer(models.Model):
    """History: a member's organisational relationship moved (组织关系转接)."""

    member = models.ForeignKey(PartyMember, on_delete=models.CASCADE, related_name="transfers")
    from_org = models.ForeignKey(PartyOrg, on_delete=models.PROTECT, related_name="+")
    to_org = models.ForeignKey(PartyOrg, on_delete=models.PROTECT, related_name="+")
    on = models.DateField(_("date"))
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    actor = models.ForeignKey(_USER, on_delete=models.SET_NULL, null=True, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("member transfer")
        verbose_name_plural = _("member transfers")
        ordering = ["-on", "-id"]

    def __str__(self) -> str:
        return f"{self.member_id}: {self.from_org_id} → {self.to_org_id}"


class DualReport(PathScoped):
    """双报到: an in-service party member (在职党员) registers with the community where they
    live, and the organisation of their workplace registers with it too."""

    view_perm: ClassVar[str] = Perm.PARTY_VIEW
    path_source: ClassVar[str] = "community"
    PERSONAL_DATA: ClassVar[tuple[pii.Personal, ...]] = (
        pii.Personal("name", pii.Kind.NAME, encrypted=False),
        pii.Personal("phone", pii.Kind.PHONE),
    )

    community = models.ForeignKey(
        _AREA, verbose_name=_("community"), on_delete=models.PROTECT, related_name="dual_reports"
    )
    area_path = models.CharField(max_length=255, editable=False, db_index=True)
    member = models.ForeignKey(
        PartyMember, on_delete=models.PROTECT, null=True, blank=True, related_name="dual_reports"
    )
    name = models.CharField(_("name"), max_length=50)
    phone_enc = models.TextField(blank=True, editable=False)
    phone_hash = models.CharField(max_length=64, blank=True, editable=False)
    phone_masked = models.CharField(_("phone"), max_length=20, blank=True, editable=False)
    work_unit = models.CharField(_("workplace"), max_length=100)
    work_org = models.CharField(_("workplace party organisation"), max_length=100, blank=True)
    services = models.CharField(_("services offered"), max_length=200, blank=True)
    registered_on = models.DateField(_("registered on"))
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    created_by = models.ForeignKey(_USER, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("dual registration")
        verbose_name_plural = _("dual registrations")
        ordering = ["-registered_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["community", "phone_hash"],
                condition=Q(ended_on__isnull=True) & ~Q(phone_hash=""),
                name="dualreport_one_open",
            )
        ]

    def __str__(self) -> str:
        return f"#{self.pk} ({self.work_unit})"


class MeetingType(models.TextChoices):
    """三会一课 and 主题党日."""

    CONGRESS = "congress", _("Branch general meeting (支部党员大会)")
    COMMITTEE = "committee", _("Branch committee meeting (支部委员会)")
    GROUP = "group", _("Party group meeting (党小组会)")
    LECTURE = "lecture", _("Party lecture (党课)")
    THEME_DAY = "theme_day", _("Themed Party day (主题党日)")


class Meeting(PathScoped):
    view_perm: ClassVar[str] = Perm.PARTY_VIEW
    path_source: ClassVar[str] = "org"

    org = models.ForeignKey(
        PartyOrg, verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="meetings"
    )
    area_path = models.CharField(max_length=255, editable=False, db_index=True)
    meeting_type = models.CharField(_("type"), max_length=20, choices=MeetingType.choices)
    held_on = models.DateField(_("date"))
    topic = models.CharField(_("topic"), max_length=200)
    place = models.CharField(_("place"), max_length=100, blank=True)
    host = models.CharField(_("chaired by"), max_length=50, blank=True)
    minutes = models.TextField(_("minutes"), blank=True)
    created_by = models.ForeignKey(_USER, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        ordering = ["-held_on", "-id"]

    def __str__(self) -> str:
        return f"{self.held_on} {self.topic}"


class Attendance(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendance")
    member = models.ForeignKey(PartyMember, on_delete=models.PROTECT, related_name="+")
    present = models.BooleanField(_("present"), default=True)
    absence_reason = models.CharField(_("reason for absence"), max_length=100, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["meeting", "member"], name="attendance_once")
        ]

    def __str__(self) -> str:
        return f"{self.meeting_id}/{self.member_id}"


class PartyEvent(models.Model):
    """Append-only history of changes to organisations, members and meetings."""

    kind = models.CharField(max_length=30)  # "org_created", "member_transferred", …
    org = models.ForeignKey(PartyOrg, on_delete=models.CASCADE, null=True, related_name="+")
    member = models.ForeignKey(
        PartyMember, on_delete=models.CASCADE, null=True, related_name="events"
    )
    actor = models.ForeignKey(_USER, on_delete=models.SET_NULL, null=True, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("party event")
        verbose_name_plural = _("party events")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.at:%Y-%m-%d}"
