"""/api/v1/cases: the case list, detail, timeline, actions, and the category tree.

Reads go through :mod:`gridgov.cases.selectors` (a case outside your jurisdiction is 404, as if
it did not exist; a resident sees only their own reports); every action goes through
:mod:`gridgov.cases.services.lifecycle` via ``POST /{id}/actions/{action}``: send the
``version`` you saw — if someone acted in between, the answer is 409 ``stale_version``.
The reporter's phone number and name are always masked, and so are phone and ID numbers typed
into titles, descriptions, addresses, notes, replies and comments (``POST /{id}/unmask`` in
:mod:`.api_privacy` answers them in clear, with a reason, audited).
"""

from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja.pagination import paginate
from ninja.responses import codes_4xx

from gridgov.accounts import scoping
from gridgov.accounts.api import DepartmentRef
from gridgov.accounts.roles import Perm
from gridgov.areas.api import AreaRef, ErrorOut
from gridgov.cases import guards, public, selectors
from gridgov.cases.actions import ACTIONS, need
from gridgov.cases.models import Case, CaseEvent, Category
from gridgov.cases.services import categories as cat_services
from gridgov.cases.states import Action, HandlingLevel, Source, Status
from gridgov.core import crypto, pii
from gridgov.core.errors import NotFound, ValidationFailed
from gridgov.core.pagination import CappedPagination
from gridgov.core.params import Day, DbId, SortOrder, Version
from gridgov.kernel.timeline import present_timeline
from gridgov.kernel.workflow import ActionCall

router = Router()
API_ACTIONS = frozenset(ACTIONS.api_actions())

CASES = ["cases"]
CATEGORIES = ["categories"]


# --- Schemas ----------------------------------------------------------------------------------


class CategoryRef(Schema):
    id: int
    code: str
    name: str


class CaseOut(Schema):
    id: int
    number: str
    status: str
    status_label: str
    version: int
    source: str
    title: str
    priority: int
    category: CategoryRef
    area: AreaRef
    assigned_area: AreaRef | None
    assigned_department: DepartmentRef | None
    assigned_level: int | None
    reported_at: datetime
    sign_due_at: datetime | None
    handle_due_at: datetime | None
    sign_overdue: bool
    handle_overdue: bool
    due_soon: bool
    deadline_provisional: bool = Field(
        description="The running deadline is counted on assumed statutory holidays (no official "
        "schedule for that year yet); recomputed when the schedule is entered"
    )

    @staticmethod
    def resolve_deadline_provisional(obj: Case | dict[str, Any]) -> bool:
        if isinstance(obj, dict):
            return bool(obj["deadline_provisional"])
        return obj.shows_provisional_deadline

    @staticmethod
    def resolve_status_label(obj: Case | dict[str, Any]) -> str:
        if isinstance(obj, dict):  # built by _detail()
            return str(obj["status_label"])
        return str(obj.get_status_display())

    @staticmethod
    def resolve_title(obj: Case | dict[str, Any]) -> str:
        if isinstance(obj, dict):  # built (and masked) by _detail()
            return str(obj["title"])
        return pii.mask_text(obj.title)


class CaseDetail(CaseOut):
    description: str
    extra: dict[str, Any]
    address: str
    lon: float | None
    lat: float | None
    outside_grids: bool
    anonymous: bool
    reporter_name: str = Field(description="Masked, e.g. 张*")
    reporter_phone: str = Field(description="Masked, e.g. 138****1234")
    external_id: str
    handler: str
    resolved_on_spot: bool
    resolved_level: int | None
    accepted_at: datetime | None
    dispatched_at: datetime | None
    signed_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    suspended_at: datetime | None
    pending_delay: dict[str, Any]
    urge_count: int
    rework_count: int
    reopen_count: int
    return_count: int
    merged_into: int | None
    rating: str
    rating_comment: str
    rated_at: datetime | None
    reply: str
    allowed_actions: list[str] = Field(description="The actions you may take now")


class AttachmentOut(Schema):
    id: int
    width: int
    height: int
    size: int


class EventOut(Schema):
    id: int
    at: datetime
    action: str
    action_label: str
    actor_name: str
    from_status: str
    to_status: str
    note: str
    data: dict[str, Any]
    attachments: list[AttachmentOut]
    who: str = Field("", description="Who acted, as the case page shows it (staff timeline)")
    to_unit: str = Field("", description="The unit an assignment went to (staff timeline)")

    @staticmethod
    def resolve_action_label(obj: CaseEvent | dict[str, Any]) -> str:
        if isinstance(obj, dict):  # the reporter's public timeline
            return str(obj["action_label"])
        return str(obj.get_action_display())

    @staticmethod
    def resolve_note(obj: CaseEvent | dict[str, Any]) -> str:
        if isinstance(obj, dict):
            return str(obj["note"])
        return pii.mask_text(obj.note)

    @staticmethod
    def resolve_data(obj: CaseEvent | dict[str, Any]) -> dict[str, Any]:
        if isinstance(obj, dict):
            return dict(obj["data"])
        data = obj.data if isinstance(obj.data, dict) else {}
        return {k: pii.mask_text(v) if isinstance(v, str) else v for k, v in data.items()}

    @staticmethod
    def resolve_attachments(obj: CaseEvent | dict[str, Any]) -> list[Any]:
        if isinstance(obj, dict):
            return list(obj.get("attachments", []))
        return list(obj.attachments.all())


class ActionIn(Schema):
    version: Version | None = Field(None, description="The case version you saw (required)")
    note: str = Field("", max_length=2000)
    reason: str = Field("", max_length=2000)
    message: str = Field("", max_length=2000)
    reply: str = Field("", max_length=2000)
    to_area: DbId | None = None
    to_department: DbId | None = None
    into: DbId | None = Field(None, description="merge: the id of the surviving case")
    kind: str = Field("", description="request_delay: extend or suspend")
    amount: int = Field(
        0, ge=0, le=200, description="request_delay: 1–200 working hours or 1–60 working days"
    )
    unit: str = Field("", description="hours or days")
    approve: bool | None = None
    passed: bool | None = None
    rating: str = ""
    comment: str = Field("", max_length=2000)
    callback: bool = False
    photos: list[str] = Field(
        [], description="check_confirm, check_resolve (required): photos as base64 strings"
    )


class QueueCounts(Schema):
    counts: dict[str, int]


class ExtraFieldOut(Schema):
    name: str
    label: str
    type: str
    required: bool
    choices: list[str] | None = None


class CategoryOut(Schema):
    id: int
    code: str
    name: str
    description: str
    parent_id: int | None
    default_level: int
    default_department_kind: str
    check_limit: int
    check_unit: str
    sign_limit: int
    sign_unit: str
    handle_limit: int
    handle_unit: str
    priority: int
    is_active: bool
    extra_fields: list[ExtraFieldOut]


class CategoryNode(CategoryOut):
    children: list[CategoryOut]

    @staticmethod
    def resolve_children(obj: Category) -> list[Category]:
        return list(getattr(obj, "children_list", []))


class CategoryIn(Schema):
    code: str = Field(max_length=20)
    name: str = Field(max_length=100)
    parent_id: DbId | None = None
    description: str = ""
    default_level: int | None = Field(
        None, ge=min(HandlingLevel.values), le=max(HandlingLevel.values)
    )
    default_department_kind: str | None = None
    check_limit: int | None = Field(
        None, ge=1, le=720, description="1–720 working hours or 1–365 working days"
    )
    check_unit: str | None = None
    sign_limit: int | None = Field(
        None, ge=1, le=720, description="1–720 working hours or 1–365 working days"
    )
    sign_unit: str | None = None
    handle_limit: int | None = Field(
        None, ge=1, le=720, description="1–720 working hours or 1–365 working days"
    )
    handle_unit: str | None = None
    priority: int | None = Field(None, ge=1, le=3, description="1 urgent, 2 normal, 3 low")
    extra_fields: list[dict[str, Any]] | None = None
    sort: SortOrder | None = None


class CategoryPatch(Schema):
    name: str | None = Field(None, max_length=100)
    description: str | None = None
    default_level: int | None = Field(
        None, ge=min(HandlingLevel.values), le=max(HandlingLevel.values)
    )
    default_department_kind: str | None = None
    check_limit: int | None = Field(
        None, ge=1, le=720, description="1–720 working hours or 1–365 working days"
    )
    check_unit: str | None = None
    sign_limit: int | None = Field(
        None, ge=1, le=720, description="1–720 working hours or 1–365 working days"
    )
    sign_unit: str | None = None
    handle_limit: int | None = Field(
        None, ge=1, le=720, description="1–720 working hours or 1–365 working days"
    )
    handle_unit: str | None = None
    priority: int | None = Field(None, ge=1, le=3, description="1 urgent, 2 normal, 3 low")
    extra_fields: list[dict[str, Any]] | None = None
    is_active: bool | None = None
    sort: SortOrder | None = None


# --- Helpers ----------------------------------------------------------------------------------


def _actor(request: HttpRequest) -> Any:
    return getattr(request, "auth", None)


def _detail(actor: Any, case: Case) -> dict[str, Any]:
    """The case as answered: typed-in texts masked; to a reporter without case.view there, no
    staff name and no internal delay request."""
    staff = guards.in_jurisdiction(actor, Perm.CASE_VIEW, case)
    data = {f: getattr(case, f) for f in CaseDetail.model_fields if hasattr(case, f)}
    for field in ("title", "description", "address", "reply", "rating_comment"):
        data[field] = pii.mask_text(getattr(case, field))
    delay = {k: v for k, v in (case.pending_delay or {}).items() if k != "by"} if staff else {}
    if isinstance(delay.get("reason"), str):
        delay["reason"] = pii.mask_text(delay["reason"])
    phone = ""
    if case.reporter_phone_enc and not case.anonymous:
        try:
            phone = crypto.mask_mobile(crypto.decrypt(case.reporter_phone_enc))
        except ValueError:
            phone = ""
    data.update(
        status_label=str(case.get_status_display()),
        category=case.category,
        area=case.area,
        assigned_area=case.assigned_area,
        assigned_department=case.assigned_department,
        reporter_name="" if case.anonymous else crypto.mask_name(case.reporter_name),
        reporter_phone=phone,
        handler=str(case.handler) if staff and case.handler_id and case.handler else "",
        merged_into=case.merged_into_id,
        pending_delay=delay,
        allowed_actions=guards.allowed_actions(case=case, user=actor),
        deadline_provisional=case.shows_provisional_deadline,
    )
    return data


def _case(request: HttpRequest, case_id: int) -> Case:
    return selectors.case_get_for(actor=_actor(request), pk=case_id)


def _run_action(actor: Any, case: Case, action: str, p: ActionIn) -> Case:
    """Run ``action`` through the action registry (:data:`gridgov.cases.actions.ACTIONS`),
    which maps the body onto the action's service."""
    if action not in API_ACTIONS and action not in (Action.URGE, Action.COMMENT):
        need(p.version, "version")  # as before: a missing version is answered first
    result: Case = ACTIONS.run_api(ActionCall(action, case, actor, payload=p))
    return result


# --- Cases ------------------------------------------------------------------------------------


def _list_statuses(status: str) -> list[str] | None:
    """``status`` as a list of known states; an unknown one is a 400 (like an unknown queue)."""
    statuses = [s.strip() for s in status.split(",") if s.strip()]
    unknown = [s for s in statuses if s not in Status.values]
    if unknown:
        msg = _("Unknown status: %(status)s.") % {"status": ", ".join(unknown)}
        raise ValidationFailed(msg, fields={"status": msg})
    return statuses or None


@router.get("/", response={200: list[CaseOut], codes_4xx: ErrorOut}, tags=CASES)
@paginate(CappedPagination)
def case_list(
    request: HttpRequest,
    status: str = "",
    queue: str = "",
    category: DbId | None = None,
    area: DbId | None = None,
    source: str = "",
    due: str = "",
    date_from: Day | None = None,
    date_to: Day | None = None,
    q: str = "",
    mine: bool = False,
) -> QuerySet[Case] | selectors.CaseList:
    """Cases in your jurisdiction, newest first. `status` is a comma-separated list; `queue` one
    of your work queues (`GET /queues`: the to-dos to_check, to_accept, to_dispatch, to_sign,
    in_progress, to_verify, due_soon, overdue, delay_requests and the monitoring queues
    watch_to_sign, watch_in_progress, watch_overdue; to_accept most urgent first); `q` an exact
    case or 12345 work-order number, or part of a title or an address. Without case.view anywhere
    (residents), or with `mine=true`, the cases you reported. `count` stops at 10 001
    (`capped` is then true). An unknown `status`, `queue`, `category`, `source` or `due`
    (soon, overdue) is a 400; dates are YYYY-MM-DD in the years 1900–2100."""
    actor = _actor(request)
    statuses = _list_statuses(status)
    if mine or not scoping.has_perm_anywhere(actor, Perm.CASE_VIEW):
        qs = selectors.my_reports(actor=actor)
        return qs.filter(status__in=statuses) if statuses else qs
    if queue and queue not in selectors.QUEUES:
        raise ValidationFailed(_("Unknown queue."), fields={"queue": _("Unknown queue.")})
    if source and source not in Source.values:
        raise ValidationFailed(_("Unknown source."), fields={"source": _("Unknown source.")})
    if due and due not in ("soon", "overdue"):
        msg = _("due must be soon or overdue.")
        raise ValidationFailed(msg, fields={"due": msg})
    cat = None
    if category is not None:
        cat = Category.objects.filter(pk=category).first()
        if cat is None:
            msg = _("Unknown category.")
            raise ValidationFailed(msg, fields={"category": msg})
    area_obj = None
    if area is not None:
        area_obj = scoping.visible_areas(actor, Perm.CASE_VIEW).filter(pk=area).first()
        if area_obj is None:
            raise NotFound(_("Not found, or outside your jurisdiction."))
    return selectors.case_list_counted_for(
        actor=actor,
        status=statuses,
        queue=queue or None,
        category=cat,
        area=area_obj,
        source=source or None,
        due=due or None,
        date_from=date_from,
        date_to=date_to,
        q=q,
    )


@router.get("/queues", response={200: QueueCounts, codes_4xx: ErrorOut}, tags=CASES)
def case_queues(request: HttpRequest) -> dict[str, Any]:
    """How many cases wait in each work queue: your to-dos (what you can act on now) and what
    you monitor (open cases of your jurisdiction with other units); 0 for queues not yours."""
    return {"counts": selectors.queue_counts(actor=_actor(request))}


@router.get("/{int:case_id}", response={200: CaseDetail, codes_4xx: ErrorOut}, tags=CASES)
def case_detail(request: HttpRequest, case_id: int) -> dict[str, Any]:
    """One case, with the actions you may take on it now."""
    return _detail(_actor(request), _case(request, case_id))


@router.get(
    "/{int:case_id}/timeline", response={200: list[EventOut], codes_4xx: ErrorOut}, tags=CASES
)
def case_timeline(request: HttpRequest, case_id: int) -> list[CaseEvent] | list[dict[str, Any]]:
    """The append-only timeline of a case, oldest first, typed-in phone and ID numbers masked.
    To its reporter (without case.view there) the public timeline: the steps, dates, handling
    unit (`data.unit`) and what they were told (`note`), no staff names or internal notes."""
    actor = _actor(request)
    case = _case(request, case_id)
    if not guards.in_jurisdiction(actor, Perm.CASE_VIEW, case):
        return [
            {
                "id": i,
                "at": e.at,
                "action": e.action,
                "action_label": e.label,
                "actor_name": "",
                "from_status": "",
                "to_status": "",
                "note": e.text,
                "data": {"unit": e.unit} if e.unit else {},
            }
            for i, e in enumerate(public.public_timeline(case), start=1)
        ]
    rows = present_timeline(
        selectors.case_timeline(case=case),
        reporter_id=case.reporter_id,
        actor_label=public.actor_label,
        attachments=lambda e: list(e.attachments.all()),
    )
    return [row.as_api() for row in rows]


@router.post(
    "/{int:case_id}/actions/{action}",
    response={200: CaseDetail, codes_4xx: ErrorOut},
    tags=CASES,
)
def case_action(
    request: HttpRequest, case_id: int, action: str, payload: ActionIn
) -> dict[str, Any]:
    """Take an action (check_confirm, check_resolve (`reply` and `photos`), check_reject
    (`reason`: untrue, duplicate or out_of_scope; `note` told to the reporter), check_pass_up,
    accept, reject, merge, dispatch, sign, return, reassign, escalate,
    request_delay, decide_delay, approve_delay, deny_delay, resume, reply, verify, verify_pass,
    verify_fail, urge, rate, reopen, comment). 409 `stale_version` when the case changed since
    the `version` you send; 409 `action_not_allowed` when its state does not allow the action."""
    actor = _actor(request)
    case = _case(request, case_id)
    case = _run_action(actor, case, action, payload)
    return _detail(actor, selectors.case_get_for(actor=actor, pk=case.pk))


# --- Categories -------------------------------------------------------------------------------


@router.get("/categories", response={200: list[CategoryNode], codes_4xx: ErrorOut}, tags=CATEGORIES)
def category_list(request: HttpRequest, include_inactive: bool = False) -> list[Category]:
    """The category tree (top classes with their sub-classes), with each one's extra fields,
    handling level and time limits. Inactive ones only for administrators."""
    show_all = include_inactive and scoping.has_perm_anywhere(_actor(request), Perm.MANAGE_CONFIG)
    return selectors.category_tree(include_inactive=show_all)


def _category_values(payload: Schema) -> dict[str, Any]:
    values = payload.dict(exclude_unset=True)
    return {k: v for k, v in values.items() if v is not None or k == "default_department_kind"}


@router.post("/categories", response={201: CategoryOut, codes_4xx: ErrorOut}, tags=CATEGORIES)
def category_create(request: HttpRequest, payload: CategoryIn) -> tuple[int, Category]:
    """Add a category (config.manage)."""
    actor = _actor(request)
    values = _category_values(payload)
    parent = None
    parent_id = values.pop("parent_id", None)
    if parent_id is not None:
        parent = Category.objects.filter(pk=parent_id).first()
        if parent is None:
            raise ValidationFailed(
                _("Unknown category."), fields={"parent_id": _("Unknown category.")}
            )
    if values.get("default_department_kind") is None:
        values.pop("default_department_kind", None)
    code = values.pop("code")
    name = values.pop("name")
    category = cat_services.category_create(
        actor=actor, code=code, name=name, parent=parent, **values
    )
    return 201, category


@router.patch(
    "/categories/{int:category_id}",
    response={200: CategoryOut, codes_4xx: ErrorOut},
    tags=CATEGORIES,
)
def category_update(request: HttpRequest, category_id: int, payload: CategoryPatch) -> Category:
    """Change a category (config.manage); `is_active: false` hides it and its sub-classes."""
    actor = _actor(request)
    if not scoping.has_perm_anywhere(actor, Perm.MANAGE_CONFIG):
        scoping.require(actor, Perm.MANAGE_CONFIG, None, what="category_update")
    category = selectors.category_get(pk=category_id, include_inactive=True)
    values = _category_values(payload)
    if values.get("default_department_kind") is None:
        values.pop("default_department_kind", None)
    if values.get("is_active") is False:
        values.pop("is_active")
        category = cat_services.category_deactivate(actor=actor, category=category)
    if values:
        category = cat_services.category_update(actor=actor, category=category, **values)
    return category


__all__ = ["HandlingLevel", "router"]
