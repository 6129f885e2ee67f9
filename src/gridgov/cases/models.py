"""Cases (事件/诉求/工单), their categories, timelines, photos, numbering, idempotency records and
the maintained indicator counters. State changes happen only in :mod:`gridgov.cases.services`."""

from __future__ import annotations

import secrets
from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from gridgov.accounts.models import DepartmentKind
from gridgov.accounts.roles import Perm
from gridgov.cases.states import Action, HandlingLevel, Rating, Source, Status, TimeUnit
from gridgov.kernel.attachments.models import Attachment
from gridgov.kernel.scoped import AreaScoped
from gridgov.kernel.timeline import TimelineEntry


class HasKeyLiteral(models.Lookup[bool]):
    """``<json field>__gridgov_has_key="kind"``: ``has_key`` with the key written into the SQL
    instead of passed as a parameter. SQLite uses a partial index only when the query's terms
    match its condition as written, and a parameter never does; the index and the queries
    (``case_delay_set``, the 延期申请 queue) both use this form."""

    lookup_name = "gridgov_has_key"
    prepare_rhs = False

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, tuple[Any, ...]]:
        lhs, params = self.process_lhs(compiler, connection)
        key = str(self.rhs)
        if not key.isidentifier():
            raise ValueError(f"not a plain key: {key!r}")
        if connection.vendor == "sqlite":
            return f"JSON_TYPE({lhs}, '$.\"{key}\"') IS NOT NULL", tuple(params)
        return f"({lhs} ? '{key}')", tuple(params)


models.JSONField.register_lookup(HasKeyLiteral)


class Category(models.Model):
    """A node of the category tree (GB/T 30428.2 event classes + governance classes).

    ``extra_fields`` lists what the category asks for beyond the common fields, as
    ``[{"name": "plate", "label": "车牌号", "type": "text"|"number"|"choice"|"date",
    "required": true, "choices": ["…"]}]``.
    """

    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    default_level = models.PositiveSmallIntegerField(
        _("default handling level"), choices=HandlingLevel.choices, default=HandlingLevel.GRID
    )
    default_department_kind = models.CharField(
        _("default department"),
        max_length=30,
        choices=DepartmentKind.choices,
        blank=True,
        default="",
    )
    # A resident's report waits this long for the grid worker's check (待核实) before it goes
    # to the dispatchers by itself.
    check_limit = models.PositiveIntegerField(_("on-site verification time limit"), default=1)
    check_unit = models.CharField(
        _("on-site verification limit unit"),
        max_length=10,
        choices=TimeUnit.choices,
        default=TimeUnit.DAYS,
    )
    sign_limit = models.PositiveIntegerField(_("sign-for time limit"), default=4)
    sign_unit = models.CharField(
        _("sign-for limit unit"), max_length=10, choices=TimeUnit.choices, default=TimeUnit.HOURS
    )
    handle_limit = models.PositiveIntegerField(_("handling time limit"), default=5)
    handle_unit = models.CharField(
        _("handling limit unit"), max_length=10, choices=TimeUnit.choices, default=TimeUnit.DAYS
    )
    priority = models.PositiveSmallIntegerField(_("priority"), default=2)  # 1 urgent … 3 low
    extra_fields = models.JSONField(_("extra fields"), default=list, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    sort = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["sort", "code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


def _has(field: str) -> models.Q:
    """The condition of a partial index over rows where ``field`` has a value."""
    return models.Q(**{f"{field}__isnull": False})


def _new_token() -> str:
    return secrets.token_urlsafe(12)


class Case(AreaScoped):
    """One case. ``version`` is bumped by every action (optimistic concurrency).

    Area-scoped (:mod:`gridgov.kernel.scoped`): seen by area roles over its area and by the
    departments that hold or held it (:mod:`gridgov.cases.visibility`)."""

    view_perm: ClassVar[str] = Perm.CASE_VIEW

    number = models.CharField(_("case number"), max_length=20, unique=True)
    # Receipt token: lets an anonymous reporter (or an Open311 client) look the case up.
    token = models.CharField(max_length=24, unique=True, default=_new_token, editable=False)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.REPORTED
    )
    version = models.PositiveIntegerField(_("version"), default=1)
    source = models.CharField(_("source"), max_length=20, choices=Source.choices)
    # Foreign keys without an index of their own are covered by an index of Meta.indexes that
    # starts with them (and is partial — only rows that have a value — where the key is empty at
    # intake): a report writes as few index pages as the reads need.
    category = models.ForeignKey(
        Category,
        verbose_name=_("category"),
        on_delete=models.PROTECT,
        related_name="cases",
        db_index=False,
    )
    extra = models.JSONField(_("extra fields"), default=dict, blank=True)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    priority = models.PositiveSmallIntegerField(_("priority"), default=2)

    # Where: the located area (a grid, or the county pool when outside every grid) and its path,
    # copied for index-friendly scoping (kept in step by the area-move service).
    area = models.ForeignKey(
        "areas.Area", verbose_name=_("area"), on_delete=models.PROTECT, related_name="cases"
    )
    area_path = models.CharField(max_length=255, editable=False)  # indexed by Meta.indexes
    lon = models.FloatField(_("longitude"), null=True, blank=True)
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    outside_grids = models.BooleanField(_("outside every grid"), default=False)

    # Who reported. Contact details of the public are personal data: the phone number is stored
    # encrypted (gridgov.core.crypto) and shown masked.
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reporter"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reported_cases",
        db_index=False,
    )
    reporter_name = models.CharField(_("reporter's name"), max_length=50, blank=True)
    reporter_phone_enc = models.TextField(blank=True, editable=False)
    anonymous = models.BooleanField(_("anonymous"), default=False)
    # Staff who entered the case for someone else (a 12345 import, a call, a visit …): recorded
    # here, never as the reporter (they get no reporter notices and no "my reports" entry).
    intake_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("entered by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="entered_cases",
        db_index=False,
    )
    external_id = models.CharField(_("external number"), max_length=64, blank=True)  # 12345 …

    # Who handles it now: a unit (an area at a handling level, or a department) and, once
    # signed for, the person.
    assigned_area = models.ForeignKey(
        "areas.Area",
        verbose_name=_("assigned area"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_cases",
        db_index=False,
    )
    assigned_department = models.ForeignKey(
        "accounts.Department",
        verbose_name=_("assigned department"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_cases",
        db_index=False,
    )
    assigned_level = models.PositiveSmallIntegerField(
        _("handling level"), choices=HandlingLevel.choices, null=True, blank=True
    )
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handler"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="handled_cases",
        db_index=False,
    )
    resolved_on_spot = models.BooleanField(_("resolved on the spot"), default=False)  # 自行处置
    resolved_level = models.PositiveSmallIntegerField(
        _("resolved at level"), choices=HandlingLevel.choices, null=True, blank=True
    )

    # Clock (all aware datetimes). Deadlines count working time (gridgov.workcal).
    reported_at = models.DateTimeField(_("reported"))
    check_due_at = models.DateTimeField(_("on-site verification due"), null=True, blank=True)
    # 受理时限: by when a reported case should be accepted (the category's sign-for limit from
    # the report); the 待受理 list is sorted by priority, then by this.
    accept_due_at = models.DateTimeField(_("acceptance due"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    dispatched_at = models.DateTimeField(_("dispatched"), null=True, blank=True)
    sign_due_at = models.DateTimeField(_("sign-for due"), null=True, blank=True)
    signed_at = models.DateTimeField(_("signed for"), null=True, blank=True)
    handle_due_at = models.DateTimeField(_("handling due"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    suspended_at = models.DateTimeField(_("suspended"), null=True, blank=True)
    # The next moment the sweep must look at this case (the nearest open deadline or due-soon
    # mark); NULL when nothing is pending. Indexed so the sweep never scans all cases.
    watch_at = models.DateTimeField(null=True, blank=True, editable=False)
    sign_overdue = models.BooleanField(_("sign-for overdue"), default=False)
    handle_overdue = models.BooleanField(_("handling overdue"), default=False)
    due_soon = models.BooleanField(_("due soon"), default=False)
    # The running clock's deadline was counted over a year without an official schedule
    # (assumed statutory holidays, gridgov.workcal.assumed): shown as 暂定 and recomputed when
    # the schedule is entered (gridgov.cases.services.deadlines).
    deadline_provisional = models.BooleanField(_("deadline provisional"), default=False)
    # A pending extension/suspension request: {"kind": "extend"|"suspend", "amount": 3,
    # "unit": "days", "reason": "…", "by": user id, "at": iso time}; empty when none.
    pending_delay = models.JSONField(default=dict, blank=True, editable=False)

    urge_count = models.PositiveSmallIntegerField(_("times urged"), default=0)
    rework_count = models.PositiveSmallIntegerField(_("times reworked"), default=0)
    reopen_count = models.PositiveSmallIntegerField(_("times reopened"), default=0)
    return_count = models.PositiveSmallIntegerField(_("times returned"), default=0)
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="merged_cases",
        db_index=False,
    )
    rating = models.CharField(_("rating"), max_length=20, choices=Rating.choices, blank=True)
    rating_comment = models.TextField(_("rating comment"), blank=True)
    rated_at = models.DateTimeField(_("rated"), null=True, blank=True)
    reply = models.TextField(_("handling reply"), blank=True)

    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-reported_at", "-id"]
        indexes = [
            models.Index(fields=["area_path", "reported_at"], name="case_path_reported"),
            models.Index(fields=["status", "area_path"], name="case_status_path"),
            # A status-filtered list walks this newest first and stops after one page.
            models.Index(fields=["status", "reported_at"], name="case_status_reported"),
            models.Index(fields=["reported_at"], name="case_reported"),
            models.Index(fields=["category", "reported_at"], name="case_category_reported"),
            models.Index(fields=["external_id"], name="case_external_id"),
            # Partial: a new case has none of these, so a report does not touch them.
            models.Index(fields=["watch_at"], name="case_watch_set", condition=_has("watch_at")),
            models.Index(
                fields=["assigned_area", "status"],
                name="case_assigned_status_set",
                condition=_has("assigned_area"),
            ),
            models.Index(
                fields=["assigned_department", "status"],
                name="case_dept_status_set",
                condition=_has("assigned_department"),
            ),
            models.Index(
                fields=["reporter", "reported_at"],
                name="case_reporter_set",
                condition=_has("reporter"),
            ),
            models.Index(fields=["handler"], name="case_handler_set", condition=_has("handler")),
            # Only cases entered for someone else have one (deleting a user nulls it).
            models.Index(
                fields=["intake_by"], name="case_intake_by_set", condition=_has("intake_by")
            ),
            # The few cases with a provisional deadline, for the recomputation.
            models.Index(
                fields=["id"],
                name="case_provisional_set",
                condition=models.Q(deadline_provisional=True),
            ),
            models.Index(
                fields=["merged_into"], name="case_merged_into_set", condition=_has("merged_into")
            ),
            # Overdue cases and those due soon, counted without reading the open cases.
            models.Index(
                fields=["sign_due_at"],
                name="case_sign_due",
                condition=models.Q(status=Status.ASSIGNED),
            ),
            models.Index(
                fields=["handle_due_at"],
                name="case_handle_due",
                condition=models.Q(status=Status.IN_PROGRESS),
            ),
            models.Index(
                fields=["status", "area_path"],
                name="case_due_soon_set",
                condition=models.Q(due_soon=True),
            ),
            # Open extension/suspension requests (延期申请), counted without reading the cases.
            models.Index(
                fields=["status", "area_path"],
                name="case_delay_set",
                condition=models.Q(pending_delay__gridgov_has_key="kind"),
            ),
            # The 待受理 queue in its order (most urgent first), read without sorting.
            models.Index(
                fields=["priority", "accept_due_at", "id"],
                name="case_accept_queue",
                condition=models.Q(status=Status.REPORTED),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @classmethod
    def scope_q(cls, user: Any, perm: str, *, use_index: bool = True) -> models.Q:
        from gridgov.cases import visibility

        return visibility.case_q(user, perm, use_index=use_index)

    def allows(self, user: Any, perm: str) -> bool:
        from gridgov.cases import visibility

        return visibility.allows(user, perm, self)

    @property
    def shows_provisional_deadline(self) -> bool:
        """暂定 beside the deadline: the running clock's deadline is provisional."""
        from gridgov.cases.services.deadlines import shows_provisional

        return shows_provisional(self)


class CaseDepartment(models.Model):
    """A department (职能部门) that holds or has held a case: written by the one writer of case
    changes (:func:`gridgov.cases.services.timeline.apply_action`) whenever a case is assigned
    to a department, never deleted. A department handler sees the cases of these rows only."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+", db_index=False)
    department = models.ForeignKey(
        "accounts.Department", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    first_at = models.DateTimeField(_("first assigned"))

    class Meta:
        verbose_name = _("case of a department")
        verbose_name_plural = _("cases of departments")
        constraints = [
            models.UniqueConstraint(fields=["case", "department"], name="case_department_once")
        ]
        indexes = [models.Index(fields=["department", "case"], name="case_department_dept")]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.department_id}"


class EventQuerySet(models.QuerySet["CaseEvent"]):
    def update(self, **kwargs: Any) -> int:
        raise TypeError("A case timeline is append-only.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise TypeError("A case timeline is append-only.")


class CaseEvent(TimelineEntry):
    """One entry of a case's append-only timeline (the kernel's
    :class:`~gridgov.kernel.timeline.TimelineEntry`: at, action, actor, actor_name,
    from_status, to_status, note, data)."""

    case = models.ForeignKey(  # indexed by case_event_case_at
        Case,
        verbose_name=_("case"),
        on_delete=models.CASCADE,
        related_name="events",
        db_index=False,
    )
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    from_status = models.CharField(_("from"), max_length=20, choices=Status.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=20, choices=Status.choices, blank=True)

    objects = EventQuerySet.as_manager()

    class Meta:
        verbose_name = _("case event")
        verbose_name_plural = _("case events")
        ordering = ["at", "id"]
        indexes = [
            models.Index(fields=["case", "at"], name="case_event_case_at"),
            models.Index(fields=["actor"], name="case_event_actor_set", condition=_has("actor")),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.action} {self.at:%Y-%m-%d %H:%M}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise TypeError("A case timeline is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise TypeError("A case timeline is append-only.")


def _photo_path(instance: CaseAttachment, filename: str) -> str:
    """The upload path of migration 0001 (kept for it; new files are named by
    :func:`gridgov.kernel.attachments.models.attachment_path`, in the same folder)."""
    return f"cases/{instance.case_id}/{secrets.token_hex(8)}.jpg"


class CaseAttachment(Attachment):
    """A photo (re-encoded, metadata stripped) or a document (PDF, DOCX, XLSX) of a case,
    optionally tied to a timeline entry; stored under ``cases/<case id>/``
    (:mod:`gridgov.kernel.attachments`)."""

    owner_field: ClassVar[str] = "case"

    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="attachments"
    )
    event = models.ForeignKey(
        CaseEvent,
        verbose_name=_("timeline entry"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="attachments",
    )

    class Meta(Attachment.Meta):
        verbose_name = _("photo")
        verbose_name_plural = _("photos")


class CaseSequence(models.Model):
    """Per-year counter behind case numbers (``2026`` + 6-digit sequence), bumped in the
    reporting transaction so numbers stay unique under concurrency."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("case number sequence")

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class IdempotencyRecord(models.Model):
    """The first answer to a request with an ``Idempotency-Key``, so a retry gets the same case.

    ``scope`` says who sent it (``user:<id>``, ``open311:<key prefix>`` …); ``fingerprint`` is a
    hash of the request body, so reusing a key for a different request is refused (409).
    """

    scope = models.CharField(max_length=80)
    key = models.CharField(max_length=200)
    fingerprint = models.CharField(max_length=64)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("idempotency record")
        constraints = [
            models.UniqueConstraint(fields=["scope", "key"], name="idempotency_unique_key")
        ]

    def __str__(self) -> str:
        return f"{self.scope} {self.key}"


class CaseStat(models.Model):
    """Maintained indicator counters for one area (every level, so a subtree's figures are one
    row per day, never a scan of cases) and one day (local date of the counted event).

    Updated in the same transaction as the event that moves them (gridgov.cases.indicators).
    """

    area = models.ForeignKey(  # indexed by casestat_area_day
        "areas.Area", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    day = models.DateField()
    reported = models.PositiveIntegerField(default=0)  # 上报数
    accepted = models.PositiveIntegerField(default=0)  # 立案数
    closed = models.PositiveIntegerField(default=0)  # 结案数
    closed_on_time = models.PositiveIntegerField(default=0)  # 按期结案
    signed = models.PositiveIntegerField(default=0)  # 签收
    signed_on_time = models.PositiveIntegerField(default=0)  # 按时签收
    replied = models.PositiveIntegerField(default=0)  # 办理反馈 (denominator of 返工率)
    reworked = models.PositiveIntegerField(default=0)  # 返工
    rated = models.PositiveIntegerField(default=0)
    satisfied = models.PositiveIntegerField(default=0)  # 满意
    basic = models.PositiveIntegerField(default=0)  # 基本满意
    unsatisfied = models.PositiveIntegerField(default=0)
    handle_seconds = models.PositiveBigIntegerField(default=0)  # sum, accepted → closed
    closed_grid = models.PositiveIntegerField(default=0)  # resolved at grid level
    closed_community = models.PositiveIntegerField(default=0)
    closed_street = models.PositiveIntegerField(default=0)
    closed_county = models.PositiveIntegerField(default=0)  # county or a department
    closed_on_spot = models.PositiveIntegerField(default=0)  # 自行处置
    # 上报数 by channel (Source): the command centre's intake by channel. A database default
    # too, so fast paths that insert rows naming only some columns stay valid.
    reported_patrol = models.PositiveIntegerField(default=0, db_default=0)
    reported_resident = models.PositiveIntegerField(default=0, db_default=0)
    reported_hotline = models.PositiveIntegerField(default=0, db_default=0)
    reported_phone = models.PositiveIntegerField(default=0, db_default=0)
    reported_visit = models.PositiveIntegerField(default=0, db_default=0)
    reported_hall = models.PositiveIntegerField(default=0, db_default=0)
    reported_video = models.PositiveIntegerField(default=0, db_default=0)
    reported_higher = models.PositiveIntegerField(default=0, db_default=0)
    reported_open311 = models.PositiveIntegerField(default=0, db_default=0)

    class Meta:
        verbose_name = _("case statistics")
        constraints = [models.UniqueConstraint(fields=["area", "day"], name="casestat_area_day")]

    def __str__(self) -> str:
        return f"{self.area_id} {self.day}"


class SearchMark(models.Model):
    """How far the keyword index of :mod:`gridgov.cases.search` is: every case whose id is at
    most ``complete_to`` is in it (newer cases are matched without it); ``indexed_to`` is the
    newest case indexed. PostgreSQL: ``settle_top`` becomes complete once every transaction
    that was running when it was indexed (transaction ids below ``settle_xid``) has ended."""

    name = models.CharField(max_length=40, primary_key=True)
    indexed_to = models.BigIntegerField(default=0)
    complete_to = models.BigIntegerField(default=0)
    settle_top = models.BigIntegerField(default=0)
    settle_xid = models.BigIntegerField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("search index mark")

    def __str__(self) -> str:
        return f"{self.name} {self.complete_to}"


__all__ = [
    "Action",
    "Case",
    "CaseAttachment",
    "CaseEvent",
    "CaseSequence",
    "CaseStat",
    "Category",
    "IdempotencyRecord",
    "Rating",
    "SearchMark",
    "Source",
    "Status",
]
