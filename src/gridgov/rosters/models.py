"""Rosters (台账): places, households, residents, special groups, grid staff, imports.

Every row that belongs to an area carries ``area`` (a grid, micro-grid or community) and a copy
of its path in ``area_path`` for index-friendly scoping (re-pathed by
:func:`gridgov.areas.services.area_move`). Personal data: ID and phone numbers are stored as a
Fernet token, a keyed hash and a mask (see :mod:`gridgov.rosters.idnumbers`); nothing personal
is ever hard-deleted — people move out or die, tags end, households dissolve, with dates.
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
from gridgov.rosters.codes import (
    ETHNICITIES,
    Gender,
    HouseholdType,
    PoliticalStatus,
    Relation,
    ResidenceType,
    ResidentStatus,
    StaffPost,
)

_AREA = "areas.Area"
_USER = settings.AUTH_USER_MODEL


class Estate(AreaScoped):
    """A residential estate (小区) within a grid (or micro-grid)."""

    view_perm: ClassVar[str] = Perm.ROSTER_VIEW

    area = models.ForeignKey(
        _AREA, verbose_name=_("grid"), on_delete=models.PROTECT, related_name="estates"
    )
    area_path = models.CharField(max_length=255, editable=False, db_index=True)
    name = models.CharField(_("name"), max_length=100)
    address = models.CharField(_("address"), max_length=200, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("estate")
        verbose_name_plural = _("estates")
        constraints = [
            models.UniqueConstraint(fields=["area", "name"], name="estate_unique_name_in_area")
        ]

    def __str__(self) -> str:
        return self.name


class VillageGroup(AreaScoped):
    """A villagers' group (村民小组) of a village, kept within one grid."""

    view_perm: ClassVar[str] = Perm.ROSTER_VIEW

    area = models.ForeignKey(
        _AREA, verbose_name=_("grid"), on_delete=models.PROTECT, related_name="village_groups"
    )
    area_path = models.CharField(max_length=255, editable=False, db_index=True)
    name = models.CharField(_("name"), max_length=100)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("villagers' group")
        verbose_name_plural = _("villagers' groups")
        constraints = [
            models.UniqueConstraint(fields=["area", "name"], name="villagegroup_unique_in_area")
        ]

    def __str__(self) -> str:
        return self.name


class Building(AreaScoped):
    """A building (楼栋), in an estate or standing alone, belonging to one grid at a time."""

    view_perm: ClassVar[str] = Perm.ROSTER_VIEW

    area = models.ForeignKey(
        _AREA, verbose_name=_("grid"), on_delete=models.PROTECT, related_name="buildings"
    )
    area_path = models.CharField(max_length=255, editable=False, db_index=True)
    estate = models.ForeignKey(
        Estate,
        verbose_name=_("estate"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="buildings",
    )
    name = models.CharField(_("building"), max_length=100)  # "3号楼"
    address = models.CharField(_("address"), max_length=200, blank=True)
    floors = models.PositiveSmallIntegerField(_("floors above ground"), default=1)
    lon = models.FloatField(_("longitude"), null=True, blank=True)
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("building")
        verbose_name_plural = _("buildings")
        constraints = [
            models.UniqueConstraint(fields=["area", "estate", "name"], name="building_unique_name")
        ]

    def __str__(self) -> str:
        return f"{self.estate.name}{self.name}" if self.estate_id and self.estate else self.name


class BuildingMove(models.Model):
    """History: a building handed from one grid to another."""

    building = models.ForeignKey(Building, on_delete=models.CASCADE, related_name="moves")
    from_area = models.ForeignKey(_AREA, on_delete=models.PROTECT, related_name="+")
    to_area = models.ForeignKey(_AREA, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    actor = models.ForeignKey(_USER, on_delete=models.SET_NULL, null=True, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.building_id}: {self.from_area_id} → {self.to_area_id}"


class BuildingUnit(models.Model):
    """A unit (单元, one staircase) of a building."""

    building = models.ForeignKey(
        Building, verbose_name=_("building"), on_delete=models.PROTECT, related_name="units"
    )
    number = models.PositiveSmallIntegerField(_("unit number"))
    name = models.CharField(_("name"), max_length=50, blank=True)  # default "{n}单元"

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["building", "number"]
        constraints = [
            models.UniqueConstraint(fields=["building", "number"], name="unit_unique_number")
        ]

    def __str__(self) -> str:
        return self.name or f"{self.number}单元"


class Room(models.Model):
    """A dwelling (户室) on a floor of a unit: "3-2-502" is building 3, unit 2, room 502."""

    unit = models.ForeignKey(
        BuildingUnit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="rooms"
    )
    floor = models.SmallIntegerField(_("floor"))
    number = models.CharField(_("room"), max_length=20)  # "502"

    class Meta:
        verbose_name = _("room")
        verbose_name_plural = _("rooms")
        ordering = ["unit", "floor", "number"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "number"], name="room_unique_number")
        ]

    def __str__(self) -> str:
        return self.number


class Household(AreaScoped):
    """A household (户): an address in a grid (a room of a building, or a villagers' group)."""

    view_perm: ClassVar[str] = Perm.ROSTER_VIEW

    number = models.CharField(_("household number"), max_length=32, unique=True)
    area = models.ForeignKey(
        _AREA, verbose_name=_("grid"), on_delete=models.PROTECT, related_name="households"
    )
    area_path = models.CharField(max_length=255, editable=False)
    household_type = models.CharField(
        _("household type"), max_length=12, choices=HouseholdType.choices
    )
    room = models.ForeignKey(
        Room,
        verbose_name=_("room"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="households",
    )
    village_group = models.ForeignKey(
        VillageGroup,
        verbose_name=_("villagers' group"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="households",
    )
    address = models.CharField(_("address"), max_length=200)
    head = models.ForeignKey(
        "rosters.Resident",
        verbose_name=_("head of household"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    is_active = models.BooleanField(_("active"), default=True)
    dissolved_on = models.DateField(_("dissolved on"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")
        indexes = [
            models.Index(fields=["area_path", "household_type"], name="household_path_type"),
            models.Index(
                fields=["address"], name="household_address", opclasses=["varchar_pattern_ops"]
            ),
        ]

    def __str__(self) -> str:
        return self.address


class Resident(AreaScoped):
    """A person on the roster. Belongs to at most one household at a time (membership history
    in :class:`Membership`); leaves by moving out or dying, never by deletion."""

    view_perm: ClassVar[str] = Perm.ROSTER_VIEW
    PERSONAL_DATA: ClassVar[tuple[pii.Personal, ...]] = (
        pii.Personal("name", pii.Kind.NAME, encrypted=False),
        pii.Personal("id_number", pii.Kind.ID_NUMBER),
        pii.Personal("phone", pii.Kind.PHONE),
    )

    household = models.ForeignKey(
        Household,
        verbose_name=_("household"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="members",
    )
    relation = models.CharField(
        _("relationship to head"), max_length=2, choices=Relation.choices, blank=True
    )
    # Copied from the household (or, without one, the grid the person was registered in).
    area = models.ForeignKey(
        _AREA, verbose_name=_("grid"), on_delete=models.PROTECT, related_name="residents"
    )
    area_path = models.CharField(max_length=255, editable=False)

    name = models.CharField(_("name"), max_length=50)
    id_number_enc = models.TextField(editable=False)
    id_number_hash = models.CharField(max_length=64, editable=False)
    id_number_masked = models.CharField(_("ID number"), max_length=20, editable=False)
    gender = models.CharField(_("gender"), max_length=1, choices=Gender.choices)
    birth_date = models.DateField(_("birth date"))
    ethnicity = models.CharField(_("ethnicity"), max_length=2, choices=ETHNICITIES, default="01")
    phone_enc = models.TextField(blank=True, editable=False)
    phone_hash = models.CharField(max_length=64, blank=True, editable=False, db_index=True)
    phone_masked = models.CharField(_("phone"), max_length=20, blank=True, editable=False)
    political_status = models.CharField(
        _("political status"),
        max_length=2,
        choices=PoliticalStatus.choices,
        default=PoliticalStatus.MASSES,
    )
    residence_type = models.CharField(
        _("residence type"), max_length=12, choices=ResidenceType.choices
    )
    status = models.CharField(
        _("status"), max_length=10, choices=ResidentStatus.choices, default=ResidentStatus.LIVING
    )
    moved_in_on = models.DateField(_("moved in on"), null=True, blank=True)
    moved_out_on = models.DateField(_("moved out on"), null=True, blank=True)
    deceased_on = models.DateField(_("died on"), null=True, blank=True)
    # Maintained by the tag services: has an active tag of a sensitive type (its name is masked).
    sensitive = models.BooleanField(default=False, editable=False)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("resident")
        verbose_name_plural = _("residents")
        constraints = [
            models.UniqueConstraint(fields=["id_number_hash"], name="resident_unique_id_number")
        ]
        indexes = [
            models.Index(fields=["area_path", "id"], name="resident_path_id"),
            # LIKE 'prefix%' on PostgreSQL needs the pattern opclass (SQLite ignores it and
            # the selector reads a range there).
            models.Index(
                fields=["name", "area_path"],
                name="resident_name_path",
                opclasses=["varchar_pattern_ops", "varchar_pattern_ops"],
            ),
            models.Index(fields=["area_path", "status"], name="resident_path_status"),
            models.Index(fields=["household", "relation"], name="resident_household"),
        ]

    def __str__(self) -> str:
        # Never the clear name: __str__ ends up in admin titles and audit targets.
        return f"#{self.pk}"


class Membership(models.Model):
    """History of who belonged to which household, and as what."""

    resident = models.ForeignKey(Resident, on_delete=models.CASCADE, related_name="memberships")
    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="+")
    relation = models.CharField(max_length=2, choices=Relation.choices, blank=True)
    start_on = models.DateField()
    end_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-start_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["resident"],
                condition=Q(end_on__isnull=True),
                name="membership_one_open_per_resident",
            )
        ]

    def __str__(self) -> str:
        return f"{self.resident_id} in {self.household_id}"


class RosterEvent(models.Model):
    """Append-only history of roster changes (the timeline of a household or a resident).

    ``detail`` never holds ID or phone numbers, only field names and non-personal values.
    """

    class Kind(models.TextChoices):
        CREATED = "created", _("Created")
        CHANGED = "changed", _("Changed")
        IMPORTED = "imported", _("Imported")
        MOVED_IN = "moved_in", _("Moved in")
        MOVED_OUT = "moved_out", _("Moved out")
        DECEASED = "deceased", _("Died")
        HOUSEHOLD_CHANGED = "household_changed", _("Household changed")
        TAG_ADDED = "tag_added", _("Tag added")
        TAG_CHANGED = "tag_changed", _("Tag changed")
        TAG_ENDED = "tag_ended", _("Tag ended")
        BUILDING_MOVED = "building_moved", _("Building moved to another grid")
        DISSOLVED = "dissolved", _("Household dissolved")

    kind = models.CharField(max_length=20, choices=Kind.choices)
    resident = models.ForeignKey(
        Resident, on_delete=models.CASCADE, null=True, blank=True, related_name="events"
    )
    household = models.ForeignKey(
        Household, on_delete=models.CASCADE, null=True, blank=True, related_name="events"
    )
    building = models.ForeignKey(
        Building, on_delete=models.CASCADE, null=True, blank=True, related_name="events"
    )
    actor = models.ForeignKey(_USER, on_delete=models.SET_NULL, null=True, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("roster event")
        verbose_name_plural = _("roster events")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.at:%Y-%m-%d}"


class TagType(models.Model):
    """A special group (低保, 特困, 高龄 …): data, edited by administrators.

    ``fields`` lists the facts a tag of this type needs, each
    ``{"key": "grade", "label": "残疾等级", "type": "text|int|decimal|date|choice",
    "choices": [...], "required": true}``.
    """

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=50, unique=True)
    sensitive = models.BooleanField(
        _("sensitive"),
        default=True,
        help_text=_(
            "Sensitive personal information under PIPL: names masked, tags hidden "
            "from roles without access to sensitive groups."
        ),
    )
    fields = models.JSONField(_("facts recorded"), default=list, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    sort = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("special group")
        verbose_name_plural = _("special groups")
        ordering = ["sort", "code"]

    def __str__(self) -> str:
        return self.name


class ResidentTag(PathScoped):
    """A resident's membership of a special group, from ``start_on`` to ``end_on``."""

    view_perm: ClassVar[str] = Perm.ROSTER_VIEW
    path_source: ClassVar[str] = "resident"

    resident = models.ForeignKey(Resident, on_delete=models.PROTECT, related_name="tags")
    tag_type = models.ForeignKey(TagType, on_delete=models.PROTECT, related_name="tags")
    area_path = models.CharField(max_length=255, editable=False)  # the resident's
    start_on = models.DateField(_("from"))
    end_on = models.DateField(_("until"), null=True, blank=True)
    facts = models.JSONField(_("facts"), default=dict, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_by = models.ForeignKey(_USER, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("special-group tag")
        verbose_name_plural = _("special-group tags")
        indexes = [
            models.Index(fields=["tag_type", "area_path"], name="tag_type_path"),
            # Open tags of a type in a jurisdiction, without reading the table's rows.
            models.Index(
                fields=["tag_type", "area_path", "resident"],
                condition=Q(end_on__isnull=True),
                name="tag_open_type_path",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["resident", "tag_type"],
                condition=Q(end_on__isnull=True),
                name="tag_one_open_per_type",
            )
        ]

    def __str__(self) -> str:
        return f"{self.resident_id}: {self.tag_type_id}"

    @property
    def fact_items(self) -> list[tuple[str, str]]:
        """The facts as shown: each under its label from the special group's definition (the
        key when the group no longer defines it), typed-in phone and ID numbers masked."""
        from gridgov.core.pii import mask_text

        labels = {
            str(f.get("key")): str(f.get("label") or f.get("key"))
            for f in (self.tag_type.fields or [])
            if isinstance(f, dict) and f.get("key")
        }
        return [
            (labels.get(str(k), str(k)), mask_text(str(v)))
            for k, v in (self.facts or {}).items()
            if v not in (None, "")
        ]


class StaffAssignment(AreaScoped):
    """A post of grid staff (三长联动): a user as 网格长/网格员 of a grid, 楼栋长 of a building or
    单元长 of a unit, from ``start_on`` until ``end_on`` (history kept)."""

    view_perm: ClassVar[str] = Perm.ROSTER_VIEW

    user = models.ForeignKey(
        _USER, verbose_name=_("user"), on_delete=models.PROTECT, related_name="staff_posts"
    )
    post = models.CharField(_("post"), max_length=20, choices=StaffPost.choices)
    area = models.ForeignKey(
        _AREA, verbose_name=_("grid"), on_delete=models.PROTECT, related_name="staff_posts"
    )
    area_path = models.CharField(max_length=255, editable=False, db_index=True)
    building = models.ForeignKey(
        Building, on_delete=models.PROTECT, null=True, blank=True, related_name="staff_posts"
    )
    unit = models.ForeignKey(
        BuildingUnit, on_delete=models.PROTECT, null=True, blank=True, related_name="staff_posts"
    )
    start_on = models.DateField(_("from"))
    end_on = models.DateField(_("until"), null=True, blank=True)
    created_by = models.ForeignKey(_USER, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("staff post")
        verbose_name_plural = _("staff posts")
        ordering = ["area_path", "post", "start_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["area"],
                condition=Q(post="grid_chief", end_on__isnull=True),
                name="staff_one_open_grid_chief",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.post}"
