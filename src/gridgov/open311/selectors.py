"""Reads for Open311. The GeoReport v2 reads are public, so everything here answers only what the
spec's fields carry about a case (service, description, place, status, times, the handling unit)
and never who reported it: no names, phone numbers, e-mail addresses, accounts or photos.
Phone, ID numbers and e-mail addresses typed into free text are masked as well
(:func:`gridgov.core.pii.mask_text`), and the status notes are the public timeline's texts
(:mod:`gridgov.cases.public`): the reply, what the reporter was told — never internal notes.

Service requests are all cases of this installation (one Open311 jurisdiction).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from gridgov.cases.models import Case, Category
from gridgov.cases.public import public_notes
from gridgov.cases.services.categories import CATEGORIES
from gridgov.cases.states import FINAL_STATES, Status, TimeUnit
from gridgov.core import revisions
from gridgov.core.errors import Code, NotFound, ValidationFailed
from gridgov.core.params import ID_MAX, check_day
from gridgov.core.pii import mask_text
from gridgov.core.prepared import PreparedQuery
from gridgov.open311.formats import encode, iso

MAX_DOCUMENTS = 2000  # service documents kept in memory (codes × formats × languages)
MAX_REQUESTS = 1000  # spec: "first 1000 requests returned"
DEFAULT_WINDOW = timedelta(days=90)  # spec: "a span of 90 days"

OPEN = "open"
CLOSED = "closed"
_CLOSED_STATES = frozenset(str(s) for s in FINAL_STATES)

# gridgov extra-field types → GeoReport v2 attribute datatypes.
DATATYPES = {
    "text": "string",
    "string": "string",
    "textarea": "text",
    "number": "number",
    "date": "datetime",
    "datetime": "datetime",
    "choice": "singlevaluelist",
    "multichoice": "multivaluelist",
}


# --- services (categories) --------------------------------------------------------------------


def service_list() -> QuerySet[Category]:
    """Active leaf categories (no active children) whose parent, if any, is active."""
    active_children = Category.objects.filter(parent=OuterRef("pk"), is_active=True)
    return (
        Category.objects.filter(is_active=True)
        .filter(Q(parent__isnull=True) | Q(parent__is_active=True))
        .exclude(Exists(active_children))
        .select_related("parent")
        .order_by("sort", "code")
    )


# The service list and definitions as sent, per format (and language for the definitions'
# texts), kept while the categories keep their revision (gridgov.core.revisions: one indexed
# statement a request; the category services bump it on every change, in any process).
_DOCUMENTS = revisions.RowCache(CATEGORIES)


def services_document(fmt: str) -> bytes:
    """``services.json`` / ``services.xml``: the bytes, built once per category revision."""
    documents = _DOCUMENTS.rows()
    key = ("services", fmt)
    body = documents.get(key)
    if body is None:
        items = [service_dict(c) for c in service_list()]
        body = documents[key] = encode(
            fmt, items, root="services", item_tags={"services": "service"}
        )
    return body


def service_definition_document(code: str, fmt: str) -> bytes:
    """``services/<code>.json``: the bytes, built once per category revision and language
    (:class:`NotFound` for an unknown or inactive service)."""
    documents = _DOCUMENTS.rows()
    key = ("definition", code, fmt, get_language())
    body = documents.get(key)
    if body is None:
        definition = service_definition(service_get(code))
        body = encode(
            fmt,
            definition,
            root="service_definition",
            item_tags={"attributes": "attribute", "values": "value"},
        )
        if len(documents) < MAX_DOCUMENTS:
            documents[key] = body
    return body


def service_get(code: str) -> Category:
    category = service_list().filter(code=code).first()
    if category is None:
        raise NotFound(
            _("There is no service with the code %(code)s.") % {"code": code},
            code=Code.UNKNOWN_SERVICE,
        )
    return category


def _keywords(category: Category) -> str:
    names = [category.name]
    if category.parent is not None:
        names.insert(0, category.parent.name)
    return ", ".join(names)


def field_definitions(category: Category) -> list[dict[str, Any]]:
    """The category's extra fields followed by those it inherits from its parent (as
    :func:`gridgov.cases.services.categories.validate_extra` checks them)."""
    own = [d for d in category.extra_fields or [] if isinstance(d, dict) and d.get("name")]
    names = {d["name"] for d in own}
    if category.parent is not None:
        own += [
            d
            for d in category.parent.extra_fields or []
            if isinstance(d, dict) and d.get("name") and d["name"] not in names
        ]
    return own


def service_dict(category: Category) -> dict[str, Any]:
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": category.description,
        "metadata": bool(field_definitions(category)),
        "type": "realtime",
        "keywords": _keywords(category),
        "group": category.parent.name if category.parent is not None else "",
    }


def _datatype_description(datatype: str) -> str:
    if datatype == "number":
        return _("A number.")
    if datatype == "datetime":
        return _("A date, YYYY-MM-DD.")
    if datatype == "multivaluelist":
        return _("One or more of the listed keys.")
    if datatype == "singlevaluelist":
        return _("One of the listed keys.")
    return ""


def service_definition(category: Category) -> dict[str, Any]:
    attributes = []
    for order, spec in enumerate(field_definitions(category), start=1):
        datatype = DATATYPES.get(str(spec.get("type") or "text"), "string")
        attribute: dict[str, Any] = {
            "variable": True,
            "code": str(spec["name"]),
            "datatype": datatype,
            "required": bool(spec.get("required")),
            "datatype_description": _datatype_description(datatype),
            "order": order,
            "description": str(spec.get("label") or spec["name"]),
        }
        if datatype in ("singlevaluelist", "multivaluelist"):
            attribute["values"] = [
                {"key": str(choice), "name": str(choice)} for choice in spec.get("choices") or []
            ]
        attributes.append(attribute)
    return {"service_code": category.code, "attributes": attributes}


# --- service requests (cases) -----------------------------------------------------------------


def open311_status(status: str) -> str:
    return CLOSED if status in _CLOSED_STATES else OPEN


def _states_for(statuses: list[str]) -> list[str]:
    states: set[str] = set()
    for s in statuses:
        if s == CLOSED:
            states |= _CLOSED_STATES
        else:
            states |= {str(v) for v in Status.values} - _CLOSED_STATES
    return sorted(states)


def _base() -> QuerySet[Case]:
    return Case.objects.select_related(
        "category", "assigned_area", "assigned_department", "merged_into"
    ).order_by("-reported_at", "-id")


def _with_notes(cases: list[Case]) -> list[Case]:
    """Attach each case's latest public text (one query for the page)."""
    notes = public_notes(c.pk for c in cases)
    for c in cases:
        c.public_note = notes.get(c.pk, "")  # type: ignore[attr-defined]
    return cases


@dataclass(frozen=True)
class RequestFilters:
    ids: list[int] | None = None
    service_codes: list[str] | None = None
    start: datetime | None = None
    end: datetime | None = None
    statuses: list[str] | None = None
    page: int = 1
    page_size: int = MAX_REQUESTS


def _split(value: str | None) -> list[str]:
    return [p.strip() for p in (value or "").split(",") if p.strip()]


def parse_when(value: str, *, name: str, end_of_day: bool = False) -> datetime:
    """An ISO 8601 date-time (offset optional: local time), or a bare date."""
    text = value.strip()
    # A "+08:00" offset arrives as " 08:00" when the client did not percent-encode the plus.
    candidates = [text, text.replace(" ", "+")]
    for candidate in candidates:
        try:
            dt = parse_datetime(candidate)
        except ValueError:
            dt = None
        if dt is not None:
            check_day(dt, name=name)
            return dt if timezone.is_aware(dt) else timezone.make_aware(dt)
    try:
        day: date | None = parse_date(text)
    except ValueError:
        day = None
    if day is not None:
        check_day(day, name=name)
        moment = datetime.combine(day, time.max if end_of_day else time.min)
        return timezone.make_aware(moment)
    raise ValidationFailed(
        _("%(name)s must be an ISO 8601 date-time, e.g. 2026-03-01T00:00:00+08:00.")
        % {"name": name},
        code=Code.INVALID_DATE,
        fields={name: _("Not a date-time.")},
    )


def _positive(value: str | None, *, name: str, default: int, maximum: int) -> int:
    if not value:
        return default
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise ValidationFailed(
            _("%(name)s must be a positive whole number.") % {"name": name},
            code=Code.INVALID_NUMBER,
            fields={name: _("Not a positive whole number.")},
        )
    return min(number, maximum)


def parse_filters(params: Any) -> RequestFilters:
    """The GET requests parameters: service_request_id (a comma-separated list that overrides
    every other filter), service_code, start_date, end_date, status (open/closed), and the
    widely implemented page/page_size extension."""
    raw_ids = _split(params.get("service_request_id"))
    if raw_ids:
        try:
            ids = [int(p) for p in raw_ids]
        except ValueError:
            raise ValidationFailed(
                _("service_request_id must be a comma-separated list of numbers."),
                code=Code.INVALID_ID,
                fields={"service_request_id": _("Not a list of numbers.")},
            ) from None
        if any(not 1 <= i <= ID_MAX for i in ids):
            raise ValidationFailed(
                _("service_request_id must hold numbers from 1 to %(max)d.") % {"max": ID_MAX},
                code=Code.INVALID_ID,
                fields={"service_request_id": _("A number out of range.")},
            )
        return RequestFilters(ids=ids[:MAX_REQUESTS])
    statuses = [s.lower() for s in _split(params.get("status"))]
    for s in statuses:
        if s not in (OPEN, CLOSED):
            raise ValidationFailed(
                _("status must be open or closed (or both, comma-separated)."),
                code=Code.INVALID_STATUS,
                fields={"status": _("Unknown status.")},
            )
    start_raw, end_raw = params.get("start_date"), params.get("end_date")
    start = parse_when(start_raw, name="start_date") if start_raw else None
    end = parse_when(end_raw, name="end_date", end_of_day=True) if end_raw else None
    if start is None and end is None:
        end = timezone.now()
        start = end - DEFAULT_WINDOW
    elif start is None:
        assert end is not None
        start = end - DEFAULT_WINDOW
    elif end is None:
        end = start + DEFAULT_WINDOW
    if start > end:
        raise ValidationFailed(
            _("start_date must not be later than end_date."),
            code=Code.INVALID_RANGE,
            fields={"start_date": _("Later than end_date.")},
        )
    return RequestFilters(
        service_codes=_split(params.get("service_code")) or None,
        start=start,
        end=end,
        statuses=statuses or None,
        page=_positive(params.get("page"), name="page", default=1, maximum=10**6),
        page_size=_positive(
            params.get("page_size"), name="page_size", default=MAX_REQUESTS, maximum=MAX_REQUESTS
        ),
    )


def _filtered(filters: RequestFilters, qs: QuerySet[Case]) -> QuerySet[Case]:
    if filters.ids is not None:
        return qs.filter(pk__in=filters.ids)[:MAX_REQUESTS]
    if filters.service_codes:
        qs = qs.filter(category__code__in=filters.service_codes)
    if filters.start is not None:
        qs = qs.filter(reported_at__gte=filters.start)
    if filters.end is not None:
        qs = qs.filter(reported_at__lte=filters.end)
    if filters.statuses:
        qs = qs.filter(status__in=_states_for(filters.statuses))
    offset = (filters.page - 1) * filters.page_size
    return qs[offset : offset + filters.page_size]


def request_list(filters: RequestFilters) -> list[Case]:
    """The matching cases as model instances (the list answer reads :func:`request_rows`)."""
    return _with_notes(list(_filtered(filters, _base())))


class _Named:
    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name


class _Service:
    __slots__ = ("code", "handle_limit", "handle_unit", "name")

    def __init__(self, name: str, code: str, handle_limit: int, handle_unit: str) -> None:
        self.name, self.code = name, code
        self.handle_limit, self.handle_unit = handle_limit, handle_unit


class RequestRow:
    """What :func:`request_dict` reads of a case, from one row of columns (no model instance:
    a thousand cases with every column converted cost four times as much)."""

    __slots__ = (
        "address",
        "assigned_area",
        "assigned_department",
        "category",
        "description",
        "handle_due_at",
        "lat",
        "lon",
        "merged_into_id",
        "outside_grids",
        "pk",
        "public_note",
        "reported_at",
        "status",
        "title",
        "updated_at",
    )

    def __init__(self, row: tuple[Any, ...], services: dict[int, _Service]) -> None:
        (
            self.pk,
            self.status,
            self.merged_into_id,
            self.description,
            self.title,
            self.address,
            self.lat,
            self.lon,
            self.outside_grids,
            self.reported_at,
            self.updated_at,
            self.handle_due_at,
            category_id,
            area_name,
            department_name,
        ) = row
        self.category = services[category_id]
        self.assigned_area = _Named(area_name) if area_name is not None else None
        self.assigned_department = _Named(department_name) if department_name is not None else None
        self.public_note = ""


_ROW_COLUMNS = (
    "pk",
    "status",
    "merged_into_id",
    "description",
    "title",
    "address",
    "lat",
    "lon",
    "outside_grids",
    "reported_at",
    "updated_at",
    "handle_due_at",
    "category_id",
    "assigned_area__name",
    "assigned_department__name",
)


def request_rows(filters: RequestFilters) -> list[RequestRow]:
    """The service requests of a list answer, newest first, with their public notes: two
    statements (the page's columns, the notes) and no model instances."""
    ordered = Case.objects.order_by("-reported_at", "-id")
    raw = list(_filtered(filters, ordered).values_list(*_ROW_COLUMNS))
    wanted = {r[12] for r in raw}
    services = {
        pk: _Service(name, code, limit, unit)
        for pk, name, code, limit, unit in Category.objects.filter(pk__in=wanted).values_list(
            "pk", "name", "code", "handle_limit", "handle_unit"
        )
    }
    rows = [RequestRow(r, services) for r in raw]
    notes = public_notes(r.pk for r in rows)
    for r in rows:
        r.public_note = notes.get(r.pk, "")
    return rows


_BY_ID: PreparedQuery[Case] = PreparedQuery(lambda pk: _base().filter(pk=pk)[:1], -7_000_000_001)


def request_get(pk: int) -> Case:
    case = _BY_ID.first(pk) if 0 < pk < 2**63 else None
    if case is None:
        raise NotFound(
            _("There is no service request %(id)s.") % {"id": pk}, code=Code.UNKNOWN_REQUEST
        )
    return _with_notes([case])[0]


def request_by_token(token: str) -> Case:
    case = Case.objects.filter(token=token).only("pk", "token").first()
    if case is None:
        raise NotFound(_("There is no service request with this token."), code=Code.UNKNOWN_TOKEN)
    return case


def _agency(case: Case | RequestRow) -> str:
    if case.assigned_department is not None:
        return case.assigned_department.name
    if case.assigned_area is not None:
        return case.assigned_area.name
    return ""


def service_notice(case: Case | RequestRow) -> str:
    """What happens next, in one sentence."""
    if case.lon is None and case.status == Status.REPORTED:
        return _(
            "No coordinates were given; the county command centre will place and route the "
            "request by its address."
        )
    if case.outside_grids and case.status == Status.REPORTED:
        return _(
            "The place lies outside every grid; the county command centre will route the request."
        )
    category = case.category
    return _("Handling time limit: %(amount)d %(unit)s after the handling unit signs for it.") % {
        "amount": category.handle_limit,
        "unit": TimeUnit(category.handle_unit).label,
    }


def _status_notes(case: Case | RequestRow) -> str:
    note = getattr(case, "public_note", None) or ""
    if not note and case.status == Status.MERGED and case.merged_into_id:
        note = _("Duplicate of request %(id)d.") % {"id": case.merged_into_id}
    return note


def request_dict(case: Case | RequestRow, tz: Any = None) -> dict[str, Any]:
    """One case as a GeoReport v2 service request: nothing about who reported it (``tz``: the
    time zone of the times, the current one by default)."""
    return {
        "service_request_id": case.pk,
        "status": open311_status(case.status),
        "status_notes": _status_notes(case),
        "service_name": case.category.name,
        "service_code": case.category.code,
        "description": mask_text(case.description or case.title),
        "agency_responsible": _agency(case),
        "service_notice": service_notice(case),
        "requested_datetime": iso(case.reported_at, tz),
        "updated_datetime": iso(case.updated_at, tz),
        "expected_datetime": iso(case.handle_due_at, tz),
        "address": mask_text(case.address),
        "address_id": None,
        "zipcode": None,
        "lat": case.lat,
        "long": case.lon,
        "media_url": None,
    }
