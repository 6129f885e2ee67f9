"""Case pages: per-role work queues, the filtered case list, the case detail with its timeline,
map and photos, and one POST endpoint per lifecycle action.

Reads go through :mod:`gridgov.cases.selectors` (scoped: a case outside the user's jurisdiction
is a 404), the actions offered come from :func:`gridgov.cases.guards.allowed_actions`, and every
change goes through one service of :mod:`gridgov.cases.services.lifecycle`, which checks again.
Photos are streamed by :func:`photo` after the same visibility check, never from a public URL.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as HttpPermissionDenied
from django.core.paginator import Page
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from gridgov.accounts import scoping
from gridgov.accounts.models import Department
from gridgov.accounts.roles import Perm
from gridgov.areas.codes import Level
from gridgov.areas.models import Area
from gridgov.areas.selectors import area_list_for
from gridgov.cases import duplicates, guards, public, routing, selectors, supervision
from gridgov.cases import queues as queue_table
from gridgov.cases import views_privacy as privacy_views
from gridgov.cases.actions import ACTIONS
from gridgov.cases.forms import ActionForm, CaseFilterForm, UnitForm
from gridgov.cases.models import Case, CaseAttachment, CaseEvent, Category
from gridgov.cases.services.intake import reporter_phone
from gridgov.cases.states import Action, HandlingLevel
from gridgov.cases.workflow import CASES
from gridgov.core import crypto, errors
from gridgov.core.pagination import CappedPaginator
from gridgov.core.views import add_domain_error, domain_errors
from gridgov.kernel.timeline import TimelineRow, present_timeline
from gridgov.kernel.workflow import ActionCall
from gridgov.mediation.documents.links import case_panel

PAGE_SIZE = 30  # the one, hard page size of case lists
AREA_PICKER_MAX = 400  # options in the area filter; grids are left out first when over it


def _require_case_view(request: HttpRequest) -> None:
    if not scoping.has_perm_anywhere(request.user, Perm.CASE_VIEW):
        raise HttpPermissionDenied(_("You hold no role that may view cases."))


def _page(request: HttpRequest, qs: QuerySet[Case], counted: Any = None) -> Page:
    qs = qs.select_related("category", "area", "assigned_area", "assigned_department")
    return CappedPaginator(qs, PAGE_SIZE, counted).get_page(request.GET.get("page"))


def _rows(page: Page) -> list[dict[str, Any]]:
    now = timezone.now()
    return [{"case": c, "due": supervision.due_state(c, now)} for c in page.object_list]


# --- Queues and list -------------------------------------------------------------------------


def _suggested_unit(case: Case) -> str:
    """The routing proposal's unit, as a name (nothing when routing fails)."""
    try:
        proposal = routing.propose(case=case)
    except errors.DomainError:
        return ""
    unit = proposal.department or proposal.area
    return unit.name if unit is not None else ""


@login_required
def queues(request: HttpRequest) -> HttpResponse:
    """The user's work queues with counts — to-dos (what they can act on now) and monitoring
    (open cases of their jurisdiction with other units) — and the chosen queue's cases; for
    users with no to-do queue (leaders, administrators) an overview linking into the list."""
    user = request.user
    _require_case_view(request)
    counts = selectors.queue_counts(actor=user)
    tabs = [
        {"key": q.key, "label": q.label, "count": counts.get(q.key, 0), "kind": q.kind}
        for q in queue_table.queues_for(user)
    ]
    keys = [t["key"] for t in tabs]
    current = request.GET.get("queue", "")
    if current not in keys:
        todo = [t for t in tabs if t["kind"] == queue_table.TODO]
        current = next((t["key"] for t in todo if t["count"]), todo[0]["key"] if todo else "")
    overview = None
    if queue_table.wants_overview(user):
        ov_counts = selectors.overview_counts(actor=user)
        overview = [
            {"key": o.key, "label": o.label, "count": ov_counts[o.key], "params": o.params}
            for o in queue_table.OVERVIEW
        ]
    rows: list[dict[str, Any]] = []
    page = None
    if current:
        page = _page(request, selectors.case_list_for(actor=user, queue=current))
        rows = _rows(page)
        if current == "to_accept":
            for row in rows:
                row["suggested"] = _suggested_unit(row["case"])
    return render(
        request,
        "cases/queues.html",
        {
            "todo_tabs": [t for t in tabs if t["kind"] == queue_table.TODO],
            "watch_tabs": [t for t in tabs if t["kind"] == queue_table.WATCH],
            "tabs": tabs,
            "overview": overview,
            "current": current,
            "page_obj": page,
            "rows": rows,
            "now": timezone.now(),
            "title": _("Work queues"),
        },
    )


def _category_choices() -> list[tuple[Any, Any]]:
    """Two levels: each top category as a group, itself ("all of it") first, then its children."""
    cats = list(Category.objects.filter(is_active=True).order_by("sort", "code"))
    children: dict[int, list[Category]] = {}
    for c in cats:
        if c.parent_id is not None:
            children.setdefault(c.parent_id, []).append(c)
    choices: list[tuple[Any, Any]] = []
    for top in (c for c in cats if c.parent_id is None):
        kids = children.get(top.pk, [])
        if not kids:
            choices.append((top.pk, top.name))
            continue
        group = [(top.pk, _("%(name)s (all)") % {"name": top.name})]
        group += [(k.pk, k.name) for k in kids]
        choices.append((top.name, group))
    return choices


def _area_choices(user: Any) -> list[tuple[int, str]]:
    """The user's case jurisdiction in tree order, indented; grids only when few enough."""
    base = area_list_for(actor=user, perm=Perm.CASE_VIEW).filter(
        is_active=True, level__lte=Level.GRID
    )
    rows = list(base.order_by("code").only("id", "name", "level", "depth")[: AREA_PICKER_MAX + 1])
    if len(rows) > AREA_PICKER_MAX:
        rows = list(
            base.filter(level__lt=Level.GRID)
            .order_by("code")
            .only("id", "name", "level", "depth")[:AREA_PICKER_MAX]
        )
    top = min((a.depth for a in rows), default=0)
    return [(a.pk, "\u3000" * (a.depth - top) + a.name) for a in rows]


@login_required
def case_list(request: HttpRequest) -> HttpResponse:
    """All cases of the jurisdiction, filtered, newest first, one bounded page at a time."""
    user = request.user
    _require_case_view(request)
    form = CaseFilterForm(
        request.GET or None, categories=_category_choices(), areas=_area_choices(user)
    )
    filters: dict[str, Any] = {}
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        area = None
        if data.get("area"):
            area = area_list_for(actor=user, perm=Perm.CASE_VIEW).filter(pk=data["area"]).first()
            if area is None:
                form.add_error("area", _("Choose an area in your jurisdiction."))
        category = None
        if data.get("category"):
            category = Category.objects.filter(pk=data["category"]).first()
        filters = {
            "status": [data["status"]] if data.get("status") else None,
            "category": category,
            "area": area,
            "source": data.get("source") or None,
            "due": data.get("due") or None,
            "date_from": data.get("date_from"),
            "date_to": data.get("date_to"),
            "q": (data.get("q") or "").strip(),
        }
    if form.is_bound and form.errors:
        qs = counted = Case.objects.none()
    else:
        qs, counted = selectors.case_list_counted_for(actor=user, **filters)
    page = _page(request, qs, counted)
    return render(
        request,
        "cases/list.html",
        {
            "form": form,
            "filtered": any(v for v in filters.values()),
            "page_obj": page,
            "rows": _rows(page),
            "title": _("Cases"),
        },
    )


# --- Detail ----------------------------------------------------------------------------------


def _unit_choices(case: Case, user: Any) -> list[tuple[Any, Any]]:
    """Units that may take the case: the areas at a handling level that contain it inside the
    user's triage jurisdiction, and the active departments serving those areas."""
    area = case.area
    handling = list(HandlingLevel.values)
    ancestors = Area.objects.filter(
        pk__in=area.ancestor_ids, level__in=handling, is_active=True
    ).order_by("-level")
    # Units below the case's area are not offered: their staff could not see the case (its
    # jurisdiction is its area). Sending such a case down needs its location corrected first.
    candidates = list(ancestors)
    areas = [
        (f"area:{a.pk}", f"{a.get_level_display()} · {a.name}")
        for a in candidates
        if scoping.can(user, Perm.CASE_TRIAGE, a)
    ]
    depts = [
        (f"dept:{d.pk}", f"{d.name} · {d.area.name}")
        for d in Department.objects.filter(area_id__in=area.ancestor_ids, is_active=True)
        .select_related("area")
        .order_by("name")
    ]
    choices: list[tuple[Any, Any]] = []
    if areas:
        choices.append((_("Areas"), areas))
    if depts:
        choices.append((_("Departments"), depts))
    return choices


def _proposal_value(case: Case) -> tuple[str, str]:
    """The routing proposal as a unit value and its reason (nothing when routing fails)."""
    try:
        proposal = routing.propose(case=case)
    except errors.DomainError:
        return "", ""
    if proposal.department is not None:
        return f"dept:{proposal.department.pk}", proposal.reason
    if proposal.area is not None:
        return f"area:{proposal.area.pk}", proposal.reason
    return "", proposal.reason


def _is_staff_rater(case: Case, user: Any) -> bool:
    return user.pk != case.reporter_id


def _make_form(
    action: str, case: Case, user: Any, *, data: Any = None, files: Any = None
) -> ActionForm:
    form_class = ACTIONS.form_class(action)
    kwargs: dict[str, Any] = {"initial": {"version": case.version}}
    if issubclass(form_class, UnitForm):
        kwargs["units"] = _unit_choices(case, user)
    if action == Action.RATE:
        kwargs["staff"] = _is_staff_rater(case, user)
    return form_class(data, files, **kwargs)


def _reporter(case: Case) -> dict[str, str]:
    """The reporter as shown on screen: masked name and phone; and the staff member who
    entered the case for them (12345 import, call, visit …), if any."""
    entered_by = str(case.intake_by) if case.intake_by_id else ""
    if case.anonymous:
        return {"name": _("Anonymous"), "phone": "", "entered_by": entered_by}
    name = case.reporter_name or (str(case.reporter) if case.reporter_id else "")
    return {
        "name": crypto.mask_name(name),
        "phone": crypto.mask_mobile(reporter_phone(case)),
        "entered_by": entered_by,
    }


def _timeline(case: Case, photos: dict[int | None, list[CaseAttachment]]) -> list[TimelineRow]:
    """The staff timeline: the kernel's one rendering (the API answers the same rows); the
    report's own photos are shown at the top of the page, not with its entry."""
    events = CaseEvent.objects.filter(case=case).select_related("actor").order_by("at", "id")
    return present_timeline(
        events,
        reporter_id=case.reporter_id,
        actor_label=public.actor_label,
        photos=lambda e: [] if e.action == Action.REPORT else photos.get(e.pk, []),
    )


def _map_data(case: Case) -> dict[str, Any] | None:
    point = [case.lon, case.lat] if case.lon is not None and case.lat is not None else None
    outline = case.area.geometry if case.area.geometry else None
    if point is None and outline is None:
        return None
    return {"point": point, "outline": outline, "label": case.number}


def _duplicates(case: Case, user: Any, actions: list[str]) -> list[tuple[Case, float]] | None:
    """Likely duplicates (among the cases the user sees) for whoever may merge this case."""
    if Action.MERGE not in actions:
        return None
    return duplicates.likely_duplicates(case=case, visible_to=user)


def _detail_context(
    request: HttpRequest,
    case: Case,
    bound: tuple[str, ActionForm] | None = None,
    *,
    reveal: bool = False,
    unmask_form: Any = None,
) -> dict[str, Any]:
    """The detail page. Staff (case.view in the case's jurisdiction) see the full timeline;
    the reporter without it sees the public one (no staff names, no internal notes). Typed-in
    personal data is masked unless ``reveal`` (only right after an audited
    :func:`gridgov.cases.services.privacy.case_unmask`)."""
    user = request.user
    staff = guards.in_jurisdiction(user, Perm.CASE_VIEW, case)
    offered = set(ACTIONS.web_actions())
    actions = [a for a in guards.allowed_actions(case=case, user=user) if a in offered]
    proposal_value, proposal_reason = "", ""
    action_forms = []
    for action in actions:
        if bound is not None and bound[0] == action:
            form = bound[1]
        else:
            form = _make_form(action, case, user)
            if action in (Action.DISPATCH, Action.ACCEPT_DISPATCH):
                proposal_value, proposal_reason = _proposal_value(case)
                if proposal_value:
                    form.initial["unit"] = proposal_value
        action_forms.append(
            {
                "action": action,
                "label": Action(action).label,
                "form": form,
                "url": reverse("cases:act", args=[case.pk, action]),
                "open": bound is not None and bound[0] == action,
            }
        )
    attachments = list(CaseAttachment.objects.filter(case=case).order_by("id"))
    by_event: dict[int | None, list[CaseAttachment]] = {}
    for att in attachments:
        by_event.setdefault(att.event_id, []).append(att)
    context: dict[str, Any] = {
        "case": case,
        "due": supervision.due_state(case),
        "now": timezone.now(),
        "map_data": _map_data(case),
        "action_forms": action_forms,
        "proposal_reason": proposal_reason,
        "can_list": scoping.has_perm_anywhere(user, Perm.CASE_VIEW),
        "mine_url": reverse("cases:mine"),
        "title": case.number,
    }
    if not staff:
        report_ids = set(
            CaseEvent.objects.filter(case=case, action=Action.REPORT).values_list("pk", flat=True)
        )
        context.update(
            public_view=True,
            reporter=_reporter(case),
            public_events=public.public_timeline(case),
            photos=[a for a in attachments if a.event_id is None or a.event_id in report_ids],
            duplicates=None,
        )
        return context
    timeline = _timeline(case, by_event)
    report_events = {r.event.pk for r in timeline if r.event.action == Action.REPORT}
    case_photos = [a for a in attachments if a.event_id is None or a.event_id in report_events]
    if reveal and not case.anonymous:
        reporter = {"name": case.reporter_name, "phone": reporter_phone(case)}
    else:
        reporter = _reporter(case)
    context.update(
        reporter=reporter,
        timeline=timeline,
        photos=case_photos,
        pending_delay=case.pending_delay or None,
        duplicates=_duplicates(case, user, actions),
        **privacy_views.unmask_context(user, case, timeline, reveal=reveal, form=unmask_form),
        mediation=case_panel(user, case),  # 转人民调解 and the linked disputes
    )
    return context


@never_cache
@login_required
@domain_errors
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = selectors.case_get_for(actor=request.user, pk=pk)
    return render(request, "cases/detail.html", _detail_context(request, case))


# --- Actions ---------------------------------------------------------------------------------


@require_POST
@login_required
@domain_errors
def act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Run one action from the detail page's forms, then back to the detail (POST-redirect-GET).

    A stale version or a refused action comes back as a message on the refreshed page; invalid
    input re-renders the page with the form's errors."""
    user = request.user
    spec = ACTIONS.get(action)
    if spec is None or spec.form is None or spec.web is None:
        raise Http404(_("Unknown action."))
    # Same rule as the API: a role that may never do this gets a 403 before any look-up
    # (rating is the reporter's own right, checked by the guard).
    transition = CASES.transition(spec.transition_name)
    if (
        transition is not None
        and action != Action.RATE
        and (transition.perm is None or not scoping.has_perm_anywhere(user, transition.perm))
    ):
        raise errors.PermissionDenied(_("You do not have permission to do this."))
    case = selectors.case_get_for(actor=user, pk=pk)
    back = reverse("cases:detail", args=[case.pk])
    form = _make_form(action, case, user, data=request.POST, files=request.FILES)
    if form.is_valid():
        try:
            ACTIONS.run_web(ActionCall(action, case, user, data=form.cleaned_data, form=form))
        except errors.Conflict as exc:
            messages.error(request, exc.message)
            return redirect(back)
        except errors.DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, str(spec.done))
            return redirect(back)
    elif action not in guards.allowed_actions(case=case, user=user):
        messages.error(request, _("This action is not available for this case now."))
        return redirect(back)
    context = _detail_context(request, case, bound=(action, form))
    return render(request, "cases/detail.html", context, status=400)


# --- Photos ----------------------------------------------------------------------------------


@never_cache
@login_required
def photo(request: HttpRequest, pk: int, attachment_id: int) -> FileResponse:
    """Stream one photo of a case the user may see (404 otherwise: no public media URLs)."""
    try:
        case = selectors.case_get_for(actor=request.user, pk=pk)
    except errors.NotFound as exc:
        raise Http404(exc.message) from exc
    attachment = CaseAttachment.objects.filter(pk=attachment_id, case=case).first()
    if attachment is None or not attachment.file:
        raise Http404(_("No such photo."))
    try:
        handle = attachment.file.open("rb")
    except OSError as exc:
        raise Http404(_("No such photo.")) from exc
    content_type = attachment.content_type
    if not content_type.startswith("image/"):
        content_type = "application/octet-stream"
    response = FileResponse(handle, content_type=content_type)
    response["Content-Disposition"] = f'inline; filename="{case.number}-{attachment.pk}.jpg"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


urlpatterns: list[URLPattern] = [
    path("", queues, name="queues"),
    path("list/", case_list, name="list"),
    path("<int:pk>/", detail, name="detail"),
    path("<int:pk>/act/<slug:action>/", act, name="act"),
    path("<int:pk>/photos/<int:attachment_id>/", photo, name="photo"),
]
