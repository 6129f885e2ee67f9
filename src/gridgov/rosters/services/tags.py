"""Special groups (低保, 特困, 高龄 …): tag types (configuration, MANAGE_CONFIG) and residents'
tags (ROSTER_EDIT at the resident's area, plus ROSTER_SENSITIVE for a sensitive type).

A tag type lists the facts its tags record (``TagType.fields``); :func:`clean_facts` checks and
normalises them. ``Resident.sensitive`` (the name is then masked) is kept in step by
:func:`refresh_sensitive`, which the importer calls too. RosterEvent details name the type and
the fact keys, never their values.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from gridgov.accounts import scoping
from gridgov.accounts.roles import Perm
from gridgov.audit.models import Event
from gridgov.audit.services import audit_record
from gridgov.core.errors import Code, Conflict, ValidationFailed
from gridgov.rosters.codes import ResidentStatus
from gridgov.rosters.models import Resident, ResidentTag, RosterEvent, TagType
from gridgov.rosters.services.people import record_event

FACT_TYPES = ("text", "int", "decimal", "date", "choice")
REFRESH_BATCH = 500


def _invalid(field: str, message: str, code: str = Code.VALIDATION_FAILED) -> ValidationFailed:
    return ValidationFailed(message, code=code, fields={field: message})


# --- resident.sensitive ------------------------------------------------------------------------


def refresh_sensitive(resident_ids: Iterable[int]) -> int:
    """Set ``Resident.sensitive`` = has an open tag of a sensitive type, for these residents;
    returns the number of rows updated."""
    ids = sorted({int(i) for i in resident_ids})
    open_sensitive = ResidentTag.objects.filter(
        resident_id=OuterRef("pk"), end_on__isnull=True, tag_type__sensitive=True
    )
    done = 0
    for i in range(0, len(ids), REFRESH_BATCH):
        chunk = ids[i : i + REFRESH_BATCH]
        done += Resident.objects.filter(pk__in=chunk).update(sensitive=Exists(open_sensitive))
    return done


# --- tag types (configuration) -----------------------------------------------------------------


def _require_config(actor: Any, what: str) -> None:
    if not scoping.has_perm_anywhere(actor, Perm.MANAGE_CONFIG):
        scoping.require(actor, Perm.MANAGE_CONFIG, None, what=what)


def clean_fields_spec(fields: Any) -> list[dict[str, Any]]:
    """Check a tag type's list of facts: ``{"key", "label", "type", "choices"?, "required"?}``."""
    if fields is None:
        return []
    bad = _("Each fact needs a key, a label and a type (text, int, decimal, date or choice).")
    if not isinstance(fields, list):
        raise _invalid("fields", bad)
    out: list[dict[str, Any]] = []
    keys: set[str] = set()
    for item in fields:
        if not isinstance(item, dict):
            raise _invalid("fields", bad)
        key = str(item.get("key", "")).strip()
        label = str(item.get("label", "")).strip()
        ftype = str(item.get("type", "text")).strip()
        if not key.isidentifier() or not label or ftype not in FACT_TYPES or key in keys:
            raise _invalid("fields", bad)
        keys.add(key)
        spec: dict[str, Any] = {
            "key": key,
            "label": label,
            "type": ftype,
            "required": bool(item.get("required", False)),
        }
        if ftype == "choice":
            choices = [str(c).strip() for c in item.get("choices") or [] if str(c).strip()]
            if not choices:
                raise _invalid("fields", _("A choice fact needs its choices."))
            spec["choices"] = choices
        out.append(spec)
    return out


def _audit_type(actor: Any, tag_type: TagType, what: str, changed: list[str]) -> None:
    audit_record(
        event=Event.CONFIG_CHANGED,
        actor=actor,
        target=tag_type,
        detail={"what": what, "fields": changed},
    )


def tag_type_create(
    *,
    actor: Any,
    code: str,
    name: str,
    sensitive: bool = True,
    fields: list[dict[str, Any]] | None = None,
    sort: int = 0,
) -> TagType:
    _require_config(actor, "tag_type_create")
    code = (code or "").strip()
    name = " ".join((name or "").split())
    if not code or not code.replace("_", "").replace("-", "").isalnum() or not code.isascii():
        raise _invalid("code", _("Use letters, digits, - and _ for the code."))
    if not name:
        raise _invalid("name", _("Enter the name."))
    if TagType.objects.filter(code=code).exists():
        raise _invalid("code", _("This code is already used."), Code.DUPLICATE_CODE)
    if TagType.objects.filter(name=name).exists():
        raise _invalid("name", _("This name is already used."), Code.DUPLICATE_NAME)
    spec = clean_fields_spec(fields)
    with transaction.atomic():
        tag_type = TagType.objects.create(
            code=code[:40], name=name[:50], sensitive=bool(sensitive), fields=spec, sort=sort
        )
        _audit_type(actor, tag_type, "tag_type_create", ["code", "name", "sensitive", "fields"])
    return tag_type


def tag_type_update(*, actor: Any, tag_type: TagType, **changes: Any) -> TagType:
    """Change name, sensitive, fields, is_active or sort; a change of ``sensitive`` refreshes
    the masking of every resident holding an open tag of the type."""
    _require_config(actor, "tag_type_update")
    allowed = {"name", "sensitive", "fields", "is_active", "sort"}
    unknown = sorted(set(changes) - allowed)
    if unknown:
        raise _invalid(unknown[0], _("This field cannot be changed here."), Code.UNKNOWN_FIELD)
    values: dict[str, Any] = {}
    if "name" in changes:
        name = " ".join((changes["name"] or "").split())
        if not name:
            raise _invalid("name", _("Enter the name."))
        if TagType.objects.filter(name=name).exclude(pk=tag_type.pk).exists():
            raise _invalid("name", _("This name is already used."), Code.DUPLICATE_NAME)
        values["name"] = name[:50]
    if "fields" in changes:
        values["fields"] = clean_fields_spec(changes["fields"])
    for key in ("sensitive", "is_active"):
        if key in changes and changes[key] is not None:
            values[key] = bool(changes[key])
    if "sort" in changes and changes["sort"] is not None:
        values["sort"] = int(changes["sort"])
    changed = sorted(k for k, v in values.items() if getattr(tag_type, k) != v)
    if not changed:
        return tag_type
    with transaction.atomic():
        for key in changed:
            setattr(tag_type, key, values[key])
        tag_type.save(update_fields=changed)
        if "sensitive" in changed:
            ids = ResidentTag.objects.filter(tag_type=tag_type, end_on__isnull=True).values_list(
                "resident_id", flat=True
            )
            refresh_sensitive(list(ids))
        _audit_type(actor, tag_type, "tag_type_update", changed)
    return tag_type


# --- residents' tags ---------------------------------------------------------------------------


def clean_facts(tag_type: TagType, facts: dict[str, Any] | None) -> dict[str, Any]:
    """The facts for a tag of ``tag_type``: known keys only, required ones present, values of
    the declared type (dates as ISO strings, decimals as strings). Errors per fact key."""
    facts = dict(facts or {})
    out: dict[str, Any] = {}
    errors: dict[str, str] = {}
    known = {spec["key"] for spec in tag_type.fields or []}
    for key in facts:
        if key not in known:
            errors[str(key)] = _("This fact is not recorded for this special group.")
    for spec in tag_type.fields or []:
        key, ftype = spec["key"], spec.get("type", "text")
        raw = facts.get(key)
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            if spec.get("required"):
                errors[key] = _("%(label)s is required.") % {"label": spec.get("label", key)}
            continue
        try:
            out[key] = _coerce(ftype, raw, spec)
        except ValueError:
            errors[key] = _("Enter a valid value for %(label)s.") % {"label": spec.get("label")}
    if errors:
        first = next(iter(errors.values()))
        raise ValidationFailed(first, code=Code.INVALID_FACTS, fields=errors)
    return out


def _coerce(ftype: str, raw: Any, spec: dict[str, Any]) -> Any:
    if ftype == "int":
        if isinstance(raw, bool):
            raise ValueError
        return int(str(raw).strip())
    if ftype == "decimal":
        try:
            return str(Decimal(str(raw).strip()))
        except InvalidOperation:
            raise ValueError from None
    if ftype == "date":
        day = raw if isinstance(raw, date) else parse_date(str(raw).strip())
        if day is None:
            raise ValueError
        return day.isoformat()
    if ftype == "choice":
        value = str(raw).strip()
        if value not in spec.get("choices", []):
            raise ValueError
        return value
    return str(raw).strip()[:200]


def _require_tag_edit(actor: Any, resident: Resident, tag_type: TagType, what: str) -> None:
    if actor is None:  # the system (demo, imports)
        return
    scoping.require(actor, Perm.ROSTER_EDIT, resident.area, what=what)
    if tag_type.sensitive:
        scoping.require(actor, Perm.ROSTER_SENSITIVE, resident.area, what=what)


def tag_add(
    *,
    actor: Any,
    resident: Resident,
    tag_type: TagType,
    start_on: date,
    facts: dict[str, Any] | None = None,
    note: str = "",
) -> ResidentTag:
    """Put ``resident`` in the special group ``tag_type`` from ``start_on``."""
    _require_tag_edit(actor, resident, tag_type, "tag_add")
    if resident.status != ResidentStatus.LIVING:
        raise Conflict(_("This person no longer lives here."), code=Code.NOT_LIVING)
    if not tag_type.is_active:
        raise _invalid("tag_type", _("This special group is no longer in use."))
    if start_on > timezone.localdate():
        raise _invalid("start_on", _("The date cannot be in the future."))
    clean = clean_facts(tag_type, facts)
    duplicate = _invalid(
        "tag_type", _("The person is already in this special group."), Code.TAG_EXISTS
    )
    if ResidentTag.objects.filter(
        resident=resident, tag_type=tag_type, end_on__isnull=True
    ).exists():
        raise duplicate
    user = actor if getattr(actor, "is_authenticated", False) else None
    try:
        with transaction.atomic():
            tag = ResidentTag.objects.create(
                resident=resident,
                tag_type=tag_type,
                start_on=start_on,
                facts=clean,
                note=(note or "").strip()[:200],
                created_by=user,
            )
            refresh_sensitive([resident.pk])
            record_event(
                kind=RosterEvent.Kind.TAG_ADDED,
                actor=actor,
                resident=resident,
                detail={"tag_type": tag_type.code, "fields": sorted(clean)},
            )
    except IntegrityError:
        raise duplicate from None
    resident.refresh_from_db(fields=["sensitive"])
    return tag


def _bump_tag(tag: ResidentTag, version: int | None, fields: dict[str, Any]) -> None:
    qs = ResidentTag.objects.filter(pk=tag.pk)
    if version is not None:
        qs = qs.filter(version=version)
    if qs.update(version=F("version") + 1, **fields) != 1:
        raise Conflict(
            _(
                "This record was changed by someone else since you opened it. Reload it and try again."
            ),
            code=Code.STALE_VERSION,
        )
    for name, value in fields.items():
        setattr(tag, name, value)
    tag.version = (version if version is not None else tag.version) + 1


def tag_update(
    *,
    actor: Any,
    tag: ResidentTag,
    version: int,
    facts: dict[str, Any] | None = None,
    note: str | None = None,
    start_on: date | None = None,
) -> ResidentTag:
    """Change the facts, note or start of an open tag (optimistic ``version``)."""
    resident = tag.resident
    _require_tag_edit(actor, resident, tag.tag_type, "tag_update")
    if tag.end_on is not None:
        raise Conflict(_("This tag has ended."), code=Code.TAG_ENDED)
    fields: dict[str, Any] = {}
    if facts is not None:
        fields["facts"] = clean_facts(tag.tag_type, facts)
    if note is not None:
        fields["note"] = note.strip()[:200]
    if start_on is not None:
        if start_on > timezone.localdate():
            raise _invalid("start_on", _("The date cannot be in the future."))
        fields["start_on"] = start_on
    changed = sorted(k for k, v in fields.items() if getattr(tag, k) != v)
    with transaction.atomic():
        _bump_tag(tag, version, fields)
        if changed:
            record_event(
                kind=RosterEvent.Kind.TAG_CHANGED,
                actor=actor,
                resident=resident,
                detail={"tag_type": tag.tag_type.code, "fields": changed},
            )
    return tag


def tag_end(
    *, actor: Any, tag: ResidentTag, on: date, version: int | None = None, note: str = ""
) -> ResidentTag:
    """End the tag on ``on`` (not before it started); the name is unmasked again if no other
    sensitive tag remains open."""
    resident = tag.resident
    _require_tag_edit(actor, resident, tag.tag_type, "tag_end")
    if tag.end_on is not None:
        raise Conflict(_("This tag has ended."), code=Code.TAG_ENDED)
    if on < tag.start_on:
        raise _invalid("end_on", _("The end is before the start."))
    if on > timezone.localdate():
        raise _invalid("end_on", _("The date cannot be in the future."))
    fields: dict[str, Any] = {"end_on": on}
    if note.strip():
        fields["note"] = note.strip()[:200]
    with transaction.atomic():
        _bump_tag(tag, version, fields)
        refresh_sensitive([resident.pk])
        record_event(
            kind=RosterEvent.Kind.TAG_ENDED,
            actor=actor,
            resident=resident,
            detail={"tag_type": tag.tag_type.code, "on": on.isoformat()},
        )
    resident.refresh_from_db(fields=["sensitive"])
    return tag
