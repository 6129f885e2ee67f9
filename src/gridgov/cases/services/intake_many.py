"""Reporting many cases at once (the 12345 import, bulk loads): :func:`case_report_many`.

Each report gets exactly the checks of :func:`~gridgov.cases.services.intake.case_report`
(:func:`~gridgov.cases.services.intake.prepare_report`: validation, category, location and
routing, permission, idempotency replay) and becomes the same rows — the case with its number,
its ``report`` timeline entry, the maintained indicators, the idempotency record — but the
reports that pass are written together, ``chunk_size`` per transaction:

* the year's sequence moves once per chunk (``UPDATE … SET last = last + n RETURNING last``),
  so numbers stay unique and follow the order of the reports;
* cases, timeline entries and idempotency records are inserted in bulk;
* the indicators get one upsert per (area, day) for the whole chunk instead of one per case.

Reports with photos or resolved on the spot (自行处置) are written one by one through the
single-case writer, in their place in the order. When a chunk cannot be written as a whole
because an idempotency key is taken (the same key twice in the batch, or a concurrent request),
the chunk is rolled back and written one report at a time, which answers those keys exactly as
:func:`case_report` does.

Errors do not stop the batch: each report's result is either an
:class:`~gridgov.cases.services.intake.IntakeResult` or the
:class:`~gridgov.core.errors.DomainError` that ``case_report`` would have raised for it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from gridgov.cases.models import Case, CaseSequence, IdempotencyRecord
from gridgov.cases.services.intake import (
    REFERENCE,
    IntakeResult,
    PreparedReport,
    prepare_report,
    write_report,
)
from gridgov.cases.services.timeline import count_events
from gridgov.cases.states import Action
from gridgov.cases.workflow import CASES
from gridgov.core.errors import DomainError
from gridgov.core.statements import insert_rows
from gridgov.kernel.workflow import new_entry

CHUNK_SIZE = 500

_BUMP_MANY_SQL = (
    'UPDATE "cases_casesequence" SET "last" = "last" + %s WHERE "year" = %s RETURNING "last"'
)


def case_report_many(
    *, actor: Any, reports: Sequence[Mapping[str, Any]], chunk_size: int = CHUNK_SIZE
) -> list[IntakeResult | DomainError]:
    """Report many cases (see the module docstring). ``reports`` are the keyword arguments of
    :func:`~gridgov.cases.services.intake.case_report` except ``actor``; the answer has one
    item per report, in order: its result, or the error that refused it."""
    results: list[IntakeResult | DomainError | None] = [None] * len(reports)
    pending: list[tuple[int, PreparedReport]] = []
    lookups = REFERENCE.rows()  # categories and areas: read once, kept for the batch

    def flush() -> None:
        if pending:
            for (i, _p), result in zip(
                pending, _write_chunk([p for _i, p in pending]), strict=True
            ):
                results[i] = result
            pending.clear()

    for i, kwargs in enumerate(reports):
        try:
            prepared = prepare_report(actor=actor, lookups=lookups, **kwargs)
        except DomainError as exc:
            results[i] = exc
            continue
        if isinstance(prepared, IntakeResult):
            results[i] = prepared
            continue
        if prepared.photos or prepared.resolved_on_spot:
            flush()
            results[i] = _write_one(prepared)
            continue
        pending.append((i, prepared))
        if len(pending) >= chunk_size:
            flush()
    flush()
    return [r for r in results if r is not None]


def _write_one(prepared: PreparedReport) -> IntakeResult | DomainError:
    try:
        return write_report(prepared)
    except DomainError as exc:
        return exc


def _write_chunk(items: list[PreparedReport]) -> list[IntakeResult | DomainError]:
    try:
        with transaction.atomic():
            cases = _insert_chunk(items)
    except IntegrityError:
        # An idempotency key is taken (twice in this chunk, or by a concurrent request): the
        # chunk rolled back as a whole; one by one answers each key as case_report does.
        return [_write_one(p) for p in items]
    return [IntakeResult(case=case, created=True) for case in cases]


def _insert_chunk(items: list[PreparedReport]) -> list[Case]:
    years: dict[int, list[int]] = {}
    for n, p in enumerate(items):
        years.setdefault(timezone.localdate(p.now).year, []).append(n)
    numbers: list[str] = [""] * len(items)
    for year, positions in years.items():
        first = take_numbers(year, len(positions))
        for offset, n in enumerate(positions):
            numbers[n] = f"{year}{first + offset:06d}"
    cases = [p.new_case(number) for p, number in zip(items, numbers, strict=True)]
    insert_rows(cases)
    events = []
    for p, case in zip(items, cases, strict=True):
        note, data, actor_name = p.report_entry()
        events.append(
            new_entry(
                CASES,
                case,
                action=Action.REPORT,
                actor=p.actor,
                from_state="",
                to_state=p.status,
                note=note,
                data=data,
                at=p.reported_at or timezone.now(),
                actor_name=actor_name,
            )
        )
    insert_rows(events)
    count_events(list(zip(cases, events, strict=True)))
    records = [
        IdempotencyRecord(scope=p.scope, key=p.key, fingerprint=p.fingerprint, case=case)
        for p, case in zip(items, cases, strict=True)
        if p.key
    ]
    if records:
        IdempotencyRecord.objects.bulk_create(records)
    return cases


def take_numbers(year: int, count: int) -> int:
    """Reserve ``count`` consecutive sequence numbers of ``year`` inside the current
    transaction; return the first. The row is locked until commit, as for a single number."""
    last: int | None = None
    if connection.features.can_return_columns_from_insert:  # UPDATE … RETURNING as well
        with connection.cursor() as cursor:
            cursor.execute(_BUMP_MANY_SQL, [count, year])
            row = cursor.fetchone()
        last = int(row[0]) if row else None
    elif CaseSequence.objects.filter(year=year).update(last=F("last") + count):
        last = CaseSequence.objects.filter(year=year).values_list("last", flat=True).get()
    if last is None:
        try:
            with transaction.atomic():
                CaseSequence.objects.create(year=year, last=count)
            last = count
        except IntegrityError:  # another transaction created the year's row first
            return take_numbers(year, count)
    return last - count + 1
