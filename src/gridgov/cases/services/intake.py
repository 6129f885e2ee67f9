"""Reporting a case (上报): resident web page, grid-worker quick report, staff entry, JSON API,
Open311 and the 12345 import all end in :func:`case_report`.

Who may report:

* ``actor=None`` — the system itself (imports from a command, the demo generator): anything.
* a public source (``RESIDENT`` web report, ``OPEN311`` client checked by the Open311 layer):
  anybody, signed in or not; a signed-in user becomes the case's reporter.
* staff entering a case for somebody else (:data:`ON_BEHALF_SOURCES`: the 12345 import, a
  call, a visit …) are recorded as the intake operator (``intake_by``); the reporter is the
  person named in ``reporter_name``/``reporter_phone``, and ``Case.reporter`` stays empty.
* any other source: a signed-in user holding ``case.report`` at the located area
  (``case.import`` for ``HOTLINE``).

The new case is ``REPORTED`` with a ``report`` timeline entry — except a resident's report
(a public source) located in a grid that has an active grid worker, which waits for that grid
worker's check as ``TO_CHECK`` (待核实) until ``check_due_at`` (the category's check limit on
the working calendar; see :mod:`.checking`), and a grid worker's report
"resolved on the spot" (自行处置), which runs report → accept → dispatch to the worker's grid →
sign → reply → verify in one transaction and ends ``CLOSED`` at grid level, so it counts in
every indicator like any other case.

Case numbers are the intake year and a 6-digit per-year sequence (``2026000042``), taken from
:class:`~gridgov.cases.models.CaseSequence` inside the reporting transaction: ``UPDATE … SET
last = last + 1`` locks the year's row until commit (PostgreSQL row lock; SQLite's write lock),
so two reports never get the same number; the first report of a year creates the row, and a
concurrent creator's ``IntegrityError`` falls back to the update.

The hot path avoids the ORM's per-call query compilation: the category (with its parent) and
the located grid (without its boundary) are read, and the case inserted, through statements
built once per process (:func:`~gridgov.core.statements.select_rows` /
:func:`~gridgov.core.statements.insert_row`), and the number is taken with one ``UPDATE …
RETURNING``. :func:`prepare_report` holds every check, :func:`write_report` the writes;
:mod:`.intake_many` reuses both for batches.

With an ``idempotency_key`` a retried request returns the first case (``created=False``); the
same key with a different request is a 409 ``idempotency_key_reused``. Two concurrent requests
with one key make exactly one case: the unique ``(scope, key)`` constraint refuses the second
record, its whole transaction rolls back and the first answer is read back.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import DEFAULT_DB_ALIAS, IntegrityError, connections, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from gridgov.accounts import scoping
from gridgov.accounts.roles import Perm
from gridgov.areas.codes import Level
from gridgov.areas.models import Area
from gridgov.areas.services import AREAS
from gridgov.cases import checkers, routing
from gridgov.cases.models import Case, CaseSequence, Category, IdempotencyRecord
from gridgov.cases.photos import ProcessedPhoto, attach_photos, check_photos
from gridgov.cases.services.categories import CATEGORIES
from gridgov.cases.services.intake_input import (  # noqa: F401  (re-exported)
    FIELD_LABELS,
    MAX_ADDRESS,
    MAX_DESCRIPTION,
    MAX_EXTERNAL_ID,
    MAX_KEY,
    MAX_NAME,
    MAX_REPLY,
    MAX_TITLE,
    Problems,
    normalize_phone,
)
from gridgov.cases.services.intake_input import clean_text as _text
from gridgov.cases.services.intake_input import fail as _fail
from gridgov.cases.services.timeline import Step, apply_action, apply_case_chain, record_event
from gridgov.cases.states import Action, HandlingLevel, Source, Status
from gridgov.core import crypto, revisions
from gridgov.core.errors import Conflict
from gridgov.core.statements import execute, insert_row, new_row, select_rows
from gridgov.workcal.selectors import add_working_time

PUBLIC_SOURCES = frozenset({Source.RESIDENT.value, Source.OPEN311.value})
# Sources where staff enter a case for somebody else (the caller, the visitor, the 12345 work
# order, a higher office, a camera): the signed-in actor is the intake operator
# (``Case.intake_by``), not the reporter. Elsewhere (a resident's own report, a grid worker's
# patrol) the signed-in actor is the reporter.
ON_BEHALF_SOURCES = frozenset(
    {
        Source.HOTLINE.value,
        Source.PHONE.value,
        Source.VISIT.value,
        Source.HALL.value,
        Source.HIGHER.value,
        Source.VIDEO.value,
    }
)


@dataclass(frozen=True)
class IntakeResult:
    case: Case
    created: bool


# Categories and areas read by reports, kept while neither changes (one statement a report
# checks that; see core.revisions).
# Who works in which grid decides whether a resident's report waits for a grid worker's check.
REFERENCE = revisions.RowCache(CATEGORIES, AREAS, checkers.GRID_WORKERS)


# --- Input checks -----------------------------------------------------------------------------


_CATEGORY_BY_PK = '"id" = %s OR "id" = (SELECT "parent_id" FROM "cases_category" WHERE "id" = %s)'
_CATEGORY_BY_CODE = (
    '"code" = %s OR "id" = (SELECT "parent_id" FROM "cases_category" WHERE "code" = %s)'
)


def _active_category(where: str, key: Any, match: str, value: Any) -> Category | None:
    """The active category where ``match`` equals ``value``, with its parent attached (one
    statement compiled once: the category and its parent row)."""
    if isinstance(key, int) and not -(2**63) <= key < 2**63:
        return None  # beyond any id (the ORM answers "no such row" too)
    rows = select_rows(Category, where, [key, key])
    found = next((c for c in rows if getattr(c, match) == value), None)
    if found is None or not found.is_active:
        return None
    if found.parent_id is not None:
        found.parent = next((c for c in rows if c.pk == found.parent_id), None)
    return found


def _category(value: Category | int | str, lookups: dict[Any, Any] | None = None) -> Category:
    if lookups is None:
        return _find_category(value)
    key = ("category", value.pk if isinstance(value, Category) else value)
    if key not in lookups:
        lookups[key] = _find_category(value)
    return lookups[key]


def _find_category(value: Category | int | str) -> Category:
    found: Category | None
    if isinstance(value, Category):
        found = _active_category(_CATEGORY_BY_PK, value.pk, "pk", value.pk)
    elif isinstance(value, int) or (isinstance(value, str) and value.strip().isdigit()):
        key = str(value).strip()
        found = _active_category(_CATEGORY_BY_PK, int(key), "pk", int(key)) or _active_category(
            _CATEGORY_BY_CODE, key, "code", key
        )
    elif isinstance(value, str) and value.strip():
        key = value.strip()
        found = (
            _active_category(_CATEGORY_BY_CODE, key, "code", key)
            or Category.objects.select_related("parent").filter(is_active=True, name=key).first()
        )
    else:
        found = None
    if found is None:
        raise _fail("category", _("Choose a category from the list."), code="unknown_category")
    return found


_SOURCES = frozenset(Source.values)


def _source(value: str) -> str:
    if str(value) not in _SOURCES:
        raise _fail("source", _("Unknown source."))
    return str(value)


def _validate_extra(category: Category, extra: dict[str, Any] | None) -> dict[str, Any]:
    from gridgov.cases.services.categories import validate_extra

    return validate_extra(category, extra or {})


def _reported_at(value: datetime | None, now: datetime) -> datetime:
    if value is None:
        return now
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    if value > now + timedelta(minutes=5):
        raise _fail("reported_at", _("The report time lies in the future."))
    return value


def _location(
    *, lon: Any, lat: Any, area: Area | None, lookups: dict[Any, Any] | None = None
) -> tuple[Area, bool, float | None, float | None]:
    """(area, outside every grid, lon, lat). A point is located in its grid; when it lies
    outside every grid an explicit ``area`` wins over the pool."""
    has_point = not (lon in (None, "") and lat in (None, ""))
    if has_point:
        located, outside = routing.locate(lon=lon, lat=lat, lookups=lookups)
        x, y = float(lon), float(lat)
        if outside and area is not None:
            return _active_area(area, lookups), False, x, y
        return located, outside, x, y
    if area is not None:
        return _active_area(area, lookups), False, None, None
    raise _fail(
        "location",
        _("Mark the place on the map, use your location, or choose the area."),
        code="no_location",
    )


def _active_area(area: Area, lookups: dict[Any, Any] | None = None) -> Area:
    key = ("area", area.pk)
    fresh = lookups.get(key) if lookups is not None else None
    if fresh is None:
        fresh = Area.objects.filter(pk=area.pk, is_active=True).first()
        if fresh is None:
            raise _fail("area", _("This area does not exist or is no longer active."))
        if lookups is not None:
            lookups[key] = fresh
    return fresh


def _check_actor(actor: Any, source: str, area: Area) -> None:
    if actor is None:  # the system (imports from the command line, the demo generator)
        return
    if source in PUBLIC_SOURCES:
        return
    if not getattr(actor, "is_authenticated", False):
        from gridgov.core.errors import PermissionDenied

        raise PermissionDenied(_("Sign in to report through this channel."))
    perm = Perm.CASE_IMPORT if source == Source.HOTLINE else Perm.CASE_REPORT
    scoping.require(actor, perm, area, what="case_report")


def fingerprint(data: dict[str, Any]) -> str:
    text = json.dumps(data, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# --- Numbering --------------------------------------------------------------------------------


_BUMP_SQL = 'UPDATE "cases_casesequence" SET "last" = "last" + 1 WHERE "year" = %s RETURNING "last"'


def _bump(year: int, reference: tuple[int, ...] | None) -> int | None:
    """The year's next sequence number, or None when the year has no row yet; with
    ``reference``, the same statement checks the categories' and areas' tokens."""
    conn = connections[DEFAULT_DB_ALIAS]
    if conn.features.can_return_columns_from_insert:  # UPDATE … RETURNING as well
        if reference is None:
            rows = execute(_BUMP_SQL, [year], conn)
        else:
            columns, names = REFERENCE.token_columns()
            rows = execute(f"{_BUMP_SQL}, {columns}", [year, *names], conn)
            if rows:
                REFERENCE.check(reference, rows[0][1:])
        return int(rows[0][0]) if rows else None
    if not CaseSequence.objects.filter(year=year).update(last=F("last") + 1):
        return None
    if reference is not None:
        REFERENCE.check(reference, REFERENCE.tokens())
    return int(CaseSequence.objects.filter(year=year).values_list("last", flat=True).get())


def next_case_number(year: int, *, reference: tuple[int, ...] | None = None) -> str:
    """Take the next number of ``year``. Call inside the reporting transaction: the UPDATE
    holds the year's row until commit, so concurrent reports wait for each other's numbers.

    ``reference``: the revision tokens the report's categories and areas were read under
    (:meth:`~gridgov.core.revisions.RowCache.remembered`); raises
    :class:`~gridgov.core.revisions.Stale` when they moved."""
    last = _bump(year, reference)
    if last is None:
        try:
            with transaction.atomic():
                CaseSequence.objects.create(year=year, last=1)
            last = 1
            if reference is not None:
                REFERENCE.check(reference, REFERENCE.tokens())
        except IntegrityError:
            # Another transaction created the year's row first: take a number from it.
            last = _bump(year, reference)
    assert last is not None  # the row exists now
    return f"{year}{last:06d}"


# --- The service ------------------------------------------------------------------------------


class _KeyTaken(Exception):
    """Raised inside the transaction when a concurrent request stored the same key first."""


@dataclass
class PreparedReport:
    """A report that passed every check of :func:`case_report` and is ready to be written."""

    actor: Any
    now: datetime
    source: str
    category: Category
    title: str
    description: str
    address: str
    extra: dict[str, Any]
    reporter_name: str
    reporter_phone: str
    anonymous: bool
    external_id: str
    reported_at: datetime
    resolved_on_spot: bool
    on_spot_reply: str
    photos: list[ProcessedPhoto]
    scope: str
    key: str
    fingerprint: str
    area: Area
    outside: bool
    lon: float | None
    lat: float | None
    # Revision tokens the category and area were read under (None: a batch's own snapshot).
    reference: tuple[int, ...] | None = None
    # TO_CHECK (waiting for the grid worker until check_due_at) or REPORTED.
    status: str = Status.REPORTED.value
    check_due_at: datetime | None = None

    def new_case(self, number: str) -> Case:
        """The unsaved case row (its ``area_path`` filled by the model, as ``save()`` would: the
        fast insert does not call ``save()``)."""
        actor = self.actor
        signed_in = getattr(actor, "is_authenticated", False)
        on_behalf = self.source in ON_BEHALF_SOURCES
        reporter = actor if signed_in and not on_behalf and not self.anonymous else None
        case = new_row(
            Case,
            number=number,
            source=self.source,
            category=self.category,
            extra=self.extra,
            title=self.title,
            description=self.description,
            priority=self.category.priority,
            area=self.area,
            lon=self.lon,
            lat=self.lat,
            address=self.address,
            outside_grids=self.outside,
            reporter=reporter,
            intake_by=actor if signed_in and on_behalf else None,
            reporter_name=self.reporter_name,
            reporter_phone_enc=crypto.encrypt(self.reporter_phone),
            anonymous=self.anonymous,
            external_id=self.external_id,
            reported_at=self.reported_at,
            accept_due_at=add_working_time(
                self.reported_at, self.category.sign_limit, self.category.sign_unit
            ),
            resolved_on_spot=self.resolved_on_spot,
            status=self.status,
            check_due_at=self.check_due_at,
            watch_at=self.check_due_at,
        )
        case.sync_area_path()
        return case

    def report_entry(self) -> tuple[str, dict[str, Any], str]:
        """(note, data, actor name) of the case's ``report`` timeline entry."""
        data: dict[str, Any] = {"source": self.source}
        note = ""
        if self.outside:
            data["outside_grids"] = True
            note = routing.outside_note()
        return note, data, _actor_name(self.actor, self.source)


def prepare_report(
    *,
    actor: Any,
    source: str,
    category: Category | int | str,
    title: str,
    description: str = "",
    lon: Any = None,
    lat: Any = None,
    address: str = "",
    area: Area | None = None,
    extra: dict[str, Any] | None = None,
    photos: Sequence[Any] = (),
    reporter_name: str = "",
    reporter_phone: str = "",
    anonymous: bool = False,
    external_id: str = "",
    resolved_on_spot: bool = False,
    on_spot_reply: str = "",
    idempotency_scope: str = "",
    idempotency_key: str = "",
    reported_at: datetime | None = None,
    now: datetime | None = None,
    lookups: dict[Any, Any] | None = None,
) -> PreparedReport | IntakeResult:
    """Every check of :func:`case_report`, in its order, without writing: the prepared report,
    or the earlier answer when the idempotency key was seen already. Raises the same errors.

    ``lookups``: the categories and areas already read, by key — by default the process-wide
    :data:`REFERENCE` rows as last read, which :func:`write_report` checks against the current
    revisions in its transaction; a batch passes one dict for all its reports (a snapshot for
    the batch)."""
    now = now or timezone.now()
    reference: tuple[int, ...] | None = None
    if lookups is None:
        reference, lookups = REFERENCE.remembered()
    source = _source(source)
    key = _text(idempotency_key, "idempotency_key", MAX_KEY)
    scope = _text(idempotency_scope, "idempotency_scope", 80) if key else ""
    if key and not scope:
        raise _fail("idempotency_scope", _("An idempotency key needs a scope."))
    problems = Problems()
    cat = problems.run(_category, category, lookups)
    description = problems.run(_text, description, "description", MAX_DESCRIPTION)
    title = str(title or "").strip() or (description or "")[:30]
    if not title and description is not None:
        problems.errors.append(_fail("title", _("Enter a title or a description.")))
    title = problems.run(_text, title, "title", MAX_TITLE)
    address = problems.run(_text, address, "address", MAX_ADDRESS)
    external_id = problems.run(_text, external_id, "external_id", MAX_EXTERNAL_ID)
    clean_extra: dict[str, Any] = (
        problems.run(_validate_extra, cat, extra) if cat is not None else None
    ) or {}
    if anonymous:
        name, phone = "", ""
    else:
        name = problems.run(_text, reporter_name, "reporter_name", MAX_NAME)
        phone = problems.run(normalize_phone, reporter_phone)
    when = problems.run(_reported_at, reported_at, now)
    on_spot_reply = problems.run(
        _text, on_spot_reply, "on_spot_reply", MAX_REPLY, required=resolved_on_spot
    )
    checked: list[ProcessedPhoto] = problems.run(check_photos, photos) or []
    if problems.errors:
        # Answer the location's problem in the same round (nothing is written either way).
        problems.run(_location, lon=lon, lat=lat, area=area, lookups=lookups)
        problems.raise_any()
    assert cat is not None and when is not None

    print_ = ""
    if key:
        request = {
            "source": source,
            "category": cat.pk,
            "title": title,
            "description": description,
            "lon": None if lon in (None, "") else str(lon),
            "lat": None if lat in (None, "") else str(lat),
            "address": address,
            "area": area.pk if area is not None else None,
            "extra": clean_extra,
            "photos": [p.sha256 for p in checked],
            "reporter_name": name,
            "reporter_phone": phone,
            "anonymous": bool(anonymous),
            "external_id": external_id,
            "resolved_on_spot": bool(resolved_on_spot),
            "on_spot_reply": on_spot_reply,
        }
        print_ = fingerprint(request)
        earlier = _replay(scope, key, print_)
        if earlier is not None:
            return earlier

    located, outside, x, y = _location(lon=lon, lat=lat, area=area, lookups=lookups)
    _check_actor(actor, source, located)
    if resolved_on_spot:
        _check_on_spot(actor, located, outside)
    status, check_due_at = Status.REPORTED.value, None
    if (
        source in PUBLIC_SOURCES
        and not resolved_on_spot
        and not outside
        and located.level == Level.GRID
        and checkers.grid_has_checker(located, lookups)
    ):
        status = Status.TO_CHECK.value
        check_due_at = add_working_time(when, cat.check_limit, cat.check_unit)
    return PreparedReport(
        actor=actor,
        now=now,
        source=source,
        category=cat,
        title=title,
        description=description,
        address=address,
        extra=clean_extra,
        reporter_name=name,
        reporter_phone=phone,
        anonymous=bool(anonymous),
        external_id=external_id,
        reported_at=when,
        resolved_on_spot=bool(resolved_on_spot),
        on_spot_reply=on_spot_reply,
        photos=checked,
        scope=scope,
        key=key,
        fingerprint=print_,
        area=located,
        outside=outside,
        lon=x,
        lat=y,
        reference=reference,
        status=status,
        check_due_at=check_due_at,
    )


def case_report(
    *,
    actor: Any,
    source: str,
    category: Category | int | str,
    title: str,
    description: str = "",
    lon: Any = None,
    lat: Any = None,
    address: str = "",
    area: Area | None = None,
    extra: dict[str, Any] | None = None,
    photos: Sequence[Any] = (),
    reporter_name: str = "",
    reporter_phone: str = "",
    anonymous: bool = False,
    external_id: str = "",
    resolved_on_spot: bool = False,
    on_spot_reply: str = "",
    idempotency_scope: str = "",
    idempotency_key: str = "",
    reported_at: datetime | None = None,
) -> IntakeResult:
    """Report a case (see the module docstring). Returns the case and whether it is new."""
    request: dict[str, Any] = {
        "actor": actor,
        "source": source,
        "category": category,
        "title": title,
        "description": description,
        "lon": lon,
        "lat": lat,
        "address": address,
        "area": area,
        "extra": extra,
        "photos": photos,
        "reporter_name": reporter_name,
        "reporter_phone": reporter_phone,
        "anonymous": anonymous,
        "external_id": external_id,
        "resolved_on_spot": resolved_on_spot,
        "on_spot_reply": on_spot_reply,
        "idempotency_scope": idempotency_scope,
        "idempotency_key": idempotency_key,
        "reported_at": reported_at,
    }
    for _attempt in range(3):
        prepared = prepare_report(**request)
        if isinstance(prepared, IntakeResult):
            return prepared
        try:
            return write_report(prepared)
        except revisions.Stale:
            continue  # a category or area changed meanwhile: check again on fresh rows
    raise Conflict(
        _("Categories or areas are being changed right now; try again."), code="reference_busy"
    )


def write_report(p: PreparedReport) -> IntakeResult:
    """Write one prepared report in its own transaction (the second half of
    :func:`case_report`)."""
    try:
        with transaction.atomic():
            number = next_case_number(timezone.localdate(p.now).year, reference=p.reference)
            case = p.new_case(number)
            insert_row(case)
            note, data, actor_name = p.report_entry()
            event = record_event(
                case=case,
                action=Action.REPORT,
                actor=p.actor,
                to_status=p.status,
                note=note,
                data=data,
                at=p.reported_at,
                actor_name=actor_name,
            )
            if p.photos:
                attach_photos(case=case, event=event, files=p.photos, actor=p.actor)
            if p.resolved_on_spot:
                resolve_on_spot(case, p.actor, p.on_spot_reply, p.now)
            if p.key:
                try:
                    with transaction.atomic():
                        IdempotencyRecord.objects.create(
                            scope=p.scope, key=p.key, fingerprint=p.fingerprint, case=case
                        )
                except IntegrityError as exc:
                    raise _KeyTaken from exc
    except _KeyTaken:
        earlier = _replay(p.scope, p.key, p.fingerprint)
        if earlier is None:  # the other request rolled back after all: a plain conflict
            raise Conflict(
                _("The same request is being processed; try again."), code="idempotency_busy"
            ) from None
        return earlier
    return IntakeResult(case=case, created=True)


def _replay(scope: str, key: str, print_: str) -> IntakeResult | None:
    record = IdempotencyRecord.objects.filter(scope=scope, key=key).select_related("case").first()
    if record is None:
        return None
    if record.fingerprint != print_:
        raise Conflict(
            _("This idempotency key was already used for a different request."),
            code="idempotency_key_reused",
        )
    return IntakeResult(case=record.case, created=False)


def case_for_key(*, scope: str, key: str) -> Case | None:
    """The case an idempotency key made in ``scope`` (a page's draft submitted already)."""
    if not scope or not key:
        return None
    record = IdempotencyRecord.objects.filter(scope=scope, key=key).select_related("case").first()
    return record.case if record is not None else None


def _actor_name(actor: Any, source: str) -> str:
    if getattr(actor, "is_authenticated", False):
        return ""  # the username, filled in by record_event
    return {Source.HOTLINE.value: "12345", Source.OPEN311.value: "open311"}.get(
        source, "public" if source in PUBLIC_SOURCES else "system"
    )


# --- Resolved on the spot (自行处置) ------------------------------------------------------------


def _check_on_spot(actor: Any, area: Area, outside: bool) -> None:
    from gridgov.core.errors import PermissionDenied

    if not getattr(actor, "is_authenticated", False):
        raise PermissionDenied(_("Only a signed-in grid worker can resolve a case on the spot."))
    if outside or area.level != Level.GRID:
        raise _fail(
            "resolved_on_spot",
            _("Only a case inside a grid can be resolved on the spot."),
            code="not_in_grid",
        )
    if not scoping.can(actor, Perm.CASE_HANDLE, area):
        raise _fail(
            "resolved_on_spot",
            _("You can resolve on the spot only in the grids you work in."),
            code="not_my_grid",
        )


def on_spot_steps(case: Case, actor: Any, reply: str, now: datetime) -> list[Step]:
    """The on-the-spot chain (:data:`gridgov.cases.states.ON_SPOT`): accept → dispatch (own
    grid) → sign → reply → verify, all by the grid worker, at ``now``."""
    grid = case.area
    level = int(HandlingLevel.GRID)
    note = _("Resolved on the spot")
    return [
        Step(Action.ACCEPT, {"accepted_at": now}, note, {"on_spot": True}),
        Step(
            Action.DISPATCH,
            {
                "assigned_area": grid,
                "assigned_department": None,
                "assigned_level": level,
                "dispatched_at": now,
                "sign_due_at": now,
            },
            note,
            {"to_area": grid.pk, "to_department": None, "level": level, "unit": grid.name},
        ),
        Step(
            Action.SIGN,
            {"handler": actor, "signed_at": now, "handle_due_at": now},
            "",
            {"on_time": True},
        ),
        Step(Action.REPLY, {"reply": reply, "resolved_at": now}, reply, {"on_time": True}),
        Step(
            Action.VERIFY_PASS,
            {
                "closed_at": now,
                "resolved_level": level,
                "resolved_on_spot": True,
                "watch_at": None,
            },
            note,
            {"on_time": True, "resolved_level": level, "on_spot": True},
        ),
    ]


def resolve_on_spot(case: Case, actor: Any, reply: str, now: datetime) -> None:
    """(report →) accept → dispatch (own grid) → sign → reply → verify, all by the grid
    worker, as one chain of the cases workflow (each step checked against the table, one entry
    each, one update). Inside the caller's transaction."""
    apply_case_chain(
        case=case,
        steps=on_spot_steps(case, actor, reply, now),
        actor=actor,
        expected_version=case.version,
        at=now,
    )


# --- Reading the reporter's contact -----------------------------------------------------------


def reporter_phone(case: Case) -> str:
    """The reporter's phone number in clear (for staff who call back; log the view)."""
    try:
        return crypto.decrypt(case.reporter_phone_enc)
    except ValueError:
        return ""


def reporter_phone_masked(case: Case) -> str:
    return crypto.mask_mobile(reporter_phone(case))


# --- More photos after the report -------------------------------------------------------------


def case_add_photos(*, actor: Any, case: Case, files: Sequence[Any]) -> Case:
    """Add photos to an open case (the reporter, or staff who may report or handle it there),
    with a ``comment`` timeline entry carrying them."""
    from gridgov.cases.guards import is_reporter
    from gridgov.cases.states import OPEN_STATES
    from gridgov.core.errors import PermissionDenied

    allowed = is_reporter(actor, case) or any(
        scoping.can(actor, perm, case.area) for perm in (Perm.CASE_REPORT, Perm.CASE_HANDLE)
    )
    if not allowed:
        from gridgov.audit.models import Event
        from gridgov.audit.services import audit_record

        audit_record(
            event=Event.PERMISSION_DENIED,
            actor=actor,
            target=case,
            target_repr=case.number,
            area=case.area,
            detail={"perm": str(Perm.CASE_REPORT), "what": "case_photos"},
        )
        raise PermissionDenied(_("You may not add photos to this case."))
    if case.status not in OPEN_STATES:
        raise Conflict(_("Photos can only be added while the case is open."), code="case_closed")
    checked = check_photos(files)
    if not checked:
        raise _fail("photos", _("Choose at least one photo."))
    with transaction.atomic():
        event = apply_action(
            case=case,
            action=Action.COMMENT,
            actor=actor,
            expected_version=None,
            note=_("Photos added"),
            data={"photos": len(checked)},
        )
        attach_photos(case=case, event=event, files=checked, actor=actor)
    return case
