"""/api/v1/rosters: residents (search, detail, create, change, move out, death, change of
household, unmask), their special-group tags, tag types, and households.

Reads need ``roster.view`` at the record's grid (outside the jurisdiction: 404, as if it did
not exist). Everything is masked as on the pages: ID and phone numbers always, the name of a
member of a sensitive special group too; tags of sensitive types only with
``roster.sensitive``. Clear values only from ``POST residents/{id}/unmask`` (``roster.unmask``
and a reason; audited). Changes send the ``version`` they saw: 409 ``stale_version`` if
someone changed the record in between. Lists count at most 10 000 rows (``capped``).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja.responses import codes_4xx

from gridgov.accounts import scoping
from gridgov.accounts.roles import Perm
from gridgov.areas.api import AreaRef, ErrorOut
from gridgov.core.errors import NotFound, ValidationFailed
from gridgov.core.pagination import CappedPagination, paged_by
from gridgov.core.params import Day, DbId, SortOrder, Version
from gridgov.rosters import privacy, selectors
from gridgov.rosters.idnumbers import age_on
from gridgov.rosters.models import Household, Resident, ResidentTag, TagType
from gridgov.rosters.services import people, tags

router = Router(tags=["rosters: people"])
_4XX = {codes_4xx: ErrorOut}


# --- Schemas ----------------------------------------------------------------------------------


class ResidentOut(Schema):
    id: int
    name: str = Field(description="Masked (王*) for members of sensitive special groups")
    id_number: str = Field(description="Masked, e.g. 1***************1X")
    phone: str = Field(description="Masked, e.g. 138****1234")
    gender: str
    birth_year: int
    age: int
    household_id: int | None
    household_address: str
    relation: str
    area: AreaRef
    status: str
    residence_type: str
    ethnicity: str
    political_status: str
    moved_in_on: date | None
    moved_out_on: date | None
    deceased_on: date | None
    version: int

    @staticmethod
    def resolve_name(obj: Resident) -> str:
        return privacy.display_name(obj)

    @staticmethod
    def resolve_id_number(obj: Resident) -> str:
        return obj.id_number_masked

    @staticmethod
    def resolve_phone(obj: Resident) -> str:
        return obj.phone_masked

    @staticmethod
    def resolve_birth_year(obj: Resident) -> int:
        return obj.birth_date.year

    @staticmethod
    def resolve_age(obj: Resident) -> int:
        return age_on(obj.birth_date, timezone.localdate())

    @staticmethod
    def resolve_household_address(obj: Resident) -> str:
        return obj.household.address if obj.household_id and obj.household else ""


class TagTypeOut(Schema):
    id: int
    code: str
    name: str
    sensitive: bool
    fields: list[dict[str, Any]]
    is_active: bool
    sort: int


class TagOut(Schema):
    id: int
    tag_type: str
    tag_type_name: str
    start_on: date
    end_on: date | None
    facts: dict[str, Any]
    note: str
    version: int

    @staticmethod
    def resolve_tag_type(obj: ResidentTag) -> str:
        return obj.tag_type.code

    @staticmethod
    def resolve_tag_type_name(obj: ResidentTag) -> str:
        return obj.tag_type.name


class MembershipOut(Schema):
    household_id: int
    relation: str
    start_on: date
    end_on: date | None


class ResidentDetail(ResidentOut):
    tags: list[TagOut]
    memberships: list[MembershipOut]
    can_edit: bool
    can_unmask: bool

    @staticmethod
    def resolve_tags(obj: Resident) -> list[ResidentTag]:
        return list(getattr(obj, "api_tags", []))

    @staticmethod
    def resolve_memberships(obj: Resident) -> list[Any]:
        return list(getattr(obj, "api_memberships", []))

    @staticmethod
    def resolve_can_edit(obj: Resident) -> bool:
        return bool(getattr(obj, "api_can_edit", False))

    @staticmethod
    def resolve_can_unmask(obj: Resident) -> bool:
        return bool(getattr(obj, "api_can_unmask", False))


class ResidentIn(Schema):
    household_id: DbId
    name: str = Field(max_length=50)
    id_number: str = Field(max_length=30)
    relation: str
    residence_type: str
    ethnicity: str = "01"
    phone: str = Field("", max_length=30)
    political_status: str = "13"
    moved_in_on: Day | None = None


class ResidentPatch(Schema):
    version: Version
    name: str | None = Field(None, max_length=50)
    id_number: str | None = Field(None, max_length=30)
    phone: str | None = Field(None, max_length=30)
    relation: str | None = None
    residence_type: str | None = None
    ethnicity: str | None = None
    political_status: str | None = None
    moved_in_on: Day | None = None


class DateIn(Schema):
    on: Day
    note: str = Field("", max_length=200)


class HouseholdChangeIn(Schema):
    household_id: DbId
    relation: str
    on: Day


class ResidentUnmaskIn(Schema):
    reason: str = Field("", max_length=200)
    fields: list[str] = Field(default_factory=lambda: list(privacy.UNMASK_FIELDS))


class ResidentUnmaskOut(Schema):
    id: int
    values: dict[str, str]


class TagIn(Schema):
    tag_type: str = Field(description="The code of the tag type")
    start_on: Day
    facts: dict[str, Any] = Field(default_factory=dict)
    note: str = Field("", max_length=200)


class TagPatch(Schema):
    version: Version
    facts: dict[str, Any] | None = None
    note: str | None = Field(None, max_length=200)
    start_on: Day | None = None


class TagEndIn(Schema):
    on: Day
    version: Version | None = None
    note: str = Field("", max_length=200)


class TagTypeIn(Schema):
    code: str = Field(max_length=40)
    name: str = Field(max_length=50)
    sensitive: bool = True
    fields: list[dict[str, Any]] = Field(default_factory=list)
    sort: SortOrder = 0


class TagTypePatch(Schema):
    name: str | None = Field(None, max_length=50)
    sensitive: bool | None = None
    fields: list[dict[str, Any]] | None = None
    is_active: bool | None = None
    sort: SortOrder | None = None


class HouseholdOut(Schema):
    id: int
    number: str
    area: AreaRef
    household_type: str
    address: str
    room_id: int | None
    village_group_id: int | None
    head_id: int | None
    is_active: bool
    dissolved_on: date | None
    version: int


class HouseholdDetail(HouseholdOut):
    members: list[ResidentOut]

    @staticmethod
    def resolve_members(obj: Household) -> list[Resident]:
        return list(getattr(obj, "api_members", []))


class HouseholdIn(Schema):
    area_id: DbId
    household_type: str
    address: str = Field("", max_length=200)
    room_id: DbId | None = None
    village_group_id: DbId | None = None
    number: str = Field("", max_length=32)


# --- Helpers ----------------------------------------------------------------------------------


def _need_edit(actor: Any, what: str) -> None:
    """Refuse (audited 403) a caller holding roster.edit nowhere before looking anything up."""
    if not scoping.has_perm_anywhere(actor, Perm.ROSTER_EDIT):
        scoping.require(actor, Perm.ROSTER_EDIT, None, what=what)


def _actor(request: HttpRequest) -> Any:
    return getattr(request, "auth", None)


def _need_view(actor: Any) -> None:
    if not scoping.has_perm_anywhere(actor, Perm.ROSTER_VIEW):
        scoping.require(actor, Perm.ROSTER_VIEW, None, what="roster_api")


def _resident(request: HttpRequest, pk: int) -> Resident:
    return selectors.resident_get_for(actor=_actor(request), pk=pk)


def _detail_out(actor: Any, resident: Resident) -> Resident:
    """``resident`` with what :class:`ResidentDetail` shows besides its own columns."""
    resident.api_tags = selectors.tags_visible_for(actor, resident)  # type: ignore[attr-defined]
    resident.api_memberships = selectors.resident_memberships(resident=resident)  # type: ignore[attr-defined]
    resident.api_can_edit = scoping.can(actor, Perm.ROSTER_EDIT, resident.area)  # type: ignore[attr-defined]
    resident.api_can_unmask = privacy.can_unmask(actor, resident.area_path)  # type: ignore[attr-defined]
    return resident


def _visible_area(actor: Any, pk: int | None, field: str, perm: str = Perm.ROSTER_VIEW) -> Any:
    if pk is None:
        return None
    area = scoping.visible_areas(actor, perm).filter(pk=pk).first()
    if area is None:
        raise NotFound(
            _("Not found, or outside your jurisdiction."), fields={field: _("Unknown area.")}
        )
    return area


def _household_for_write(actor: Any, pk: int, field: str) -> Household:
    try:
        return selectors.household_get_for(actor=actor, pk=pk)
    except NotFound as exc:
        raise ValidationFailed(exc.message, fields={field: exc.message}) from exc


# --- Residents --------------------------------------------------------------------------------


@router.get("/residents", response={200: list[ResidentOut], **_4XX})
@paged_by(CappedPagination)
def resident_list(
    request: HttpRequest,
    q: str = "",
    area: DbId | None = None,
    tag: str = "",
    household_type: str = "",
    status: str = "living",
    residence_type: str = "",
) -> QuerySet[Resident]:
    """Residents in your jurisdiction: `q` is an exact ID or phone number, a name prefix or
    part of an address; `area` a subtree; `tag` a tag-type code (sensitive types only where
    you hold roster.sensitive); `status` living (default), moved_out, deceased or empty for
    all."""
    actor = _actor(request)
    _need_view(actor)
    tag_type = TagType.objects.filter(code=tag).first() if tag else None
    if tag and tag_type is None:
        raise ValidationFailed(
            _("Unknown special group."), fields={"tag": _("Unknown special group.")}
        )
    return selectors.resident_search_for(
        actor=actor,
        q=q,
        area=_visible_area(actor, area, "area"),
        tag=tag_type,
        household_type=household_type,
        status=status,
        residence_type=residence_type,
    )


@router.get("/residents/{int:resident_id}", response={200: ResidentDetail, **_4XX})
def resident_detail(request: HttpRequest, resident_id: int) -> Resident:
    """One resident (masked), with the tags you may see and the household history."""
    return _detail_out(_actor(request), _resident(request, resident_id))


@router.post("/residents", response={201: ResidentDetail, **_4XX})
def resident_create(request: HttpRequest, payload: ResidentIn) -> tuple[int, Resident]:
    """Add a resident to a household (roster.edit at its grid). 400 `duplicate_id_number` if
    the ID number is on the roster already."""
    actor = _actor(request)
    _need_edit(actor, "resident_create")
    values = payload.dict()
    household = _household_for_write(actor, values.pop("household_id"), "household_id")
    resident = people.resident_create(actor=actor, household=household, **values)
    return 201, _detail_out(actor, selectors.resident_get_for(actor=actor, pk=resident.pk))


@router.patch("/residents/{int:resident_id}", response={200: ResidentDetail, **_4XX})
def resident_update(request: HttpRequest, resident_id: int, payload: ResidentPatch) -> Resident:
    """Change fields given (roster.edit); 409 `stale_version` if `version` is not current."""
    actor = _actor(request)
    resident = _resident(request, resident_id)
    values = payload.dict(exclude_unset=True)
    version = values.pop("version")
    values = {k: v for k, v in values.items() if v is not None or k == "moved_in_on"}
    people.resident_update(actor=actor, resident=resident, version=version, **values)
    return _detail_out(actor, selectors.resident_get_for(actor=actor, pk=resident.pk))


@router.post("/residents/{int:resident_id}/move-out", response={200: ResidentDetail, **_4XX})
def resident_move_out(request: HttpRequest, resident_id: int, payload: DateIn) -> Resident:
    actor = _actor(request)
    resident = _resident(request, resident_id)
    people.resident_move_out(actor=actor, resident=resident, on=payload.on, note=payload.note)
    return _detail_out(actor, selectors.resident_get_for(actor=actor, pk=resident.pk))


@router.post("/residents/{int:resident_id}/died", response={200: ResidentDetail, **_4XX})
def resident_died(request: HttpRequest, resident_id: int, payload: DateIn) -> Resident:
    actor = _actor(request)
    resident = _resident(request, resident_id)
    people.resident_died(actor=actor, resident=resident, on=payload.on)
    return _detail_out(actor, selectors.resident_get_for(actor=actor, pk=resident.pk))


@router.post("/residents/{int:resident_id}/household", response={200: ResidentDetail, **_4XX})
def resident_change_household(
    request: HttpRequest, resident_id: int, payload: HouseholdChangeIn
) -> Resident:
    """Move the resident into another household (roster.edit at both grids)."""
    actor = _actor(request)
    resident = _resident(request, resident_id)
    household = _household_for_write(actor, payload.household_id, "household_id")
    people.resident_change_household(
        actor=actor,
        resident=resident,
        household=household,
        relation=payload.relation,
        on=payload.on,
    )
    return _detail_out(actor, selectors.resident_get_for(actor=actor, pk=resident.pk))


@router.post("/residents/{int:resident_id}/unmask", response={200: ResidentUnmaskOut, **_4XX})
def resident_unmask(
    request: HttpRequest, resident_id: int, payload: ResidentUnmaskIn
) -> dict[str, Any]:
    """The clear `name`, `id_number`, `phone` (roster.unmask and a `reason`); written to the
    audit log with who, whose record and why."""
    actor = _actor(request)
    resident = _resident(request, resident_id)
    values = privacy.unmask(actor=actor, obj=resident, reason=payload.reason, fields=payload.fields)
    return {"id": resident.pk, "values": values}


# --- Tags -------------------------------------------------------------------------------------


@router.get("/residents/{int:resident_id}/tags", response={200: list[TagOut], **_4XX})
def tag_list(request: HttpRequest, resident_id: int) -> list[ResidentTag]:
    """The resident's special-group tags you may see (open first)."""
    return selectors.tags_visible_for(_actor(request), _resident(request, resident_id))


@router.post("/residents/{int:resident_id}/tags", response={201: TagOut, **_4XX})
def tag_create(request: HttpRequest, resident_id: int, payload: TagIn) -> tuple[int, ResidentTag]:
    """Put the resident in a special group (roster.edit; roster.sensitive for a sensitive type)."""
    actor = _actor(request)
    resident = _resident(request, resident_id)
    tag_type = TagType.objects.filter(code=payload.tag_type).first()
    if tag_type is None:
        raise ValidationFailed(
            _("Unknown special group."), fields={"tag_type": _("Unknown special group.")}
        )
    tag = tags.tag_add(
        actor=actor,
        resident=resident,
        tag_type=tag_type,
        start_on=payload.start_on,
        facts=payload.facts,
        note=payload.note,
    )
    return 201, tag


@router.patch("/residents/{int:resident_id}/tags/{int:tag_id}", response={200: TagOut, **_4XX})
def tag_update(
    request: HttpRequest, resident_id: int, tag_id: int, payload: TagPatch
) -> ResidentTag:
    actor = _actor(request)
    resident = _resident(request, resident_id)
    tag = selectors.tag_get_for(actor=actor, resident=resident, pk=tag_id)
    return tags.tag_update(
        actor=actor,
        tag=tag,
        version=payload.version,
        facts=payload.facts,
        note=payload.note,
        start_on=payload.start_on,
    )


@router.post("/residents/{int:resident_id}/tags/{int:tag_id}/end", response={200: TagOut, **_4XX})
def tag_end(request: HttpRequest, resident_id: int, tag_id: int, payload: TagEndIn) -> ResidentTag:
    actor = _actor(request)
    resident = _resident(request, resident_id)
    tag = selectors.tag_get_for(actor=actor, resident=resident, pk=tag_id)
    return tags.tag_end(
        actor=actor, tag=tag, on=payload.on, version=payload.version, note=payload.note
    )


@router.get("/tag-types", response={200: list[TagTypeOut], **_4XX})
def tag_type_list(request: HttpRequest, include_inactive: bool = False) -> list[TagType]:
    """The special groups (sensitive ones only for roster.sensitive or config.manage)."""
    actor = _actor(request)
    show_all = include_inactive and scoping.has_perm_anywhere(actor, Perm.MANAGE_CONFIG)
    return selectors.tag_types(actor=actor, include_inactive=show_all)


@router.post("/tag-types", response={201: TagTypeOut, **_4XX})
def tag_type_create(request: HttpRequest, payload: TagTypeIn) -> tuple[int, TagType]:
    """Add a special group (config.manage)."""
    return 201, tags.tag_type_create(actor=_actor(request), **payload.dict())


@router.patch("/tag-types/{int:type_id}", response={200: TagTypeOut, **_4XX})
def tag_type_update(request: HttpRequest, type_id: int, payload: TagTypePatch) -> TagType:
    """Change a special group (config.manage)."""
    actor = _actor(request)
    if not scoping.has_perm_anywhere(actor, Perm.MANAGE_CONFIG):
        scoping.require(actor, Perm.MANAGE_CONFIG, None, what="tag_type_update")
    tag_type = TagType.objects.filter(pk=type_id).first()
    if tag_type is None:
        raise NotFound(_("Not found, or outside your jurisdiction."))
    values = {k: v for k, v in payload.dict(exclude_unset=True).items() if v is not None}
    return tags.tag_type_update(actor=actor, tag_type=tag_type, **values)


# --- Households -------------------------------------------------------------------------------


@router.get("/households", response={200: list[HouseholdOut], **_4XX})
@paged_by(CappedPagination)
def household_list(
    request: HttpRequest, area: DbId | None = None, q: str = "", household_type: str = ""
) -> QuerySet[Household]:
    """Households in your jurisdiction; `q` a household number or part of the address."""
    actor = _actor(request)
    _need_view(actor)
    return selectors.household_list_for(
        actor=actor, area=_visible_area(actor, area, "area"), q=q, household_type=household_type
    )


@router.get("/households/{int:household_id}", response={200: HouseholdDetail, **_4XX})
def household_detail(request: HttpRequest, household_id: int) -> Household:
    """One household with its current members (masked)."""
    household = selectors.household_get_for(actor=_actor(request), pk=household_id)
    members = selectors.household_members(household=household)
    household.api_members = members  # type: ignore[attr-defined]
    return household


@router.post("/households", response={201: HouseholdOut, **_4XX})
def household_create(request: HttpRequest, payload: HouseholdIn) -> tuple[int, Household]:
    """Add a household to a grid (roster.edit there); `number` generated if empty."""
    from gridgov.rosters.models import Room, VillageGroup

    actor = _actor(request)
    _need_edit(actor, "household_create")
    area = _visible_area(actor, payload.area_id, "area_id")
    room = (
        Room.objects.select_related("unit__building").filter(pk=payload.room_id).first()
        if payload.room_id
        else None
    )
    if payload.room_id and room is None:
        raise ValidationFailed(_("Unknown room."), fields={"room_id": _("Unknown room.")})
    group = (
        VillageGroup.objects.filter(pk=payload.village_group_id).first()
        if payload.village_group_id
        else None
    )
    if payload.village_group_id and group is None:
        raise ValidationFailed(
            _("Unknown villagers' group."),
            fields={"village_group_id": _("Unknown villagers' group.")},
        )
    household = people.household_create(
        actor=actor,
        area=area,
        household_type=payload.household_type,
        address=payload.address,
        room=room,
        village_group=group,
        number=payload.number,
    )
    return 201, household
