"""The category tree (GB/T 30428.2 event classes + governance classes): create, update,
deactivate (never delete: cases refer to categories), and the check of a case's extra fields.

Changing categories needs ``config.manage`` somewhere (categories are one tree for the whole
installation). Every change is written to the audit log.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from gridgov.accounts import scoping
from gridgov.accounts.models import DepartmentKind
from gridgov.accounts.roles import Perm
from gridgov.audit.models import Event
from gridgov.cases.models import Category
from gridgov.cases.states import HandlingLevel, TimeUnit
from gridgov.core import revisions
from gridgov.core.errors import ValidationFailed

# Revision of the category tree (intake keeps categories in memory, see core.revisions).
CATEGORIES = "cases.categories"
FIELD_TYPES = ("text", "number", "choice", "date")
CODE_RE = re.compile(r"^[A-Z0-9]{2,20}$")
NAME_RE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
MAX_LIMIT = {TimeUnit.HOURS.value: 24 * 30, TimeUnit.DAYS.value: 365}
MAX_EXTRA_TEXT = 200

EDITABLE = (
    "name",
    "description",
    "default_level",
    "default_department_kind",
    "check_limit",
    "check_unit",
    "sign_limit",
    "sign_unit",
    "handle_limit",
    "handle_unit",
    "priority",
    "extra_fields",
    "is_active",
    "sort",
)


def _require_config(actor: Any, what: str) -> None:
    if actor is None:  # the system itself (data migration, imports)
        return
    if not scoping.has_perm_anywhere(actor, Perm.MANAGE_CONFIG):
        scoping.require(actor, Perm.MANAGE_CONFIG, None, what=what)


def _audit(actor: Any, category: Category, what: str, detail: dict[str, Any]) -> None:
    from gridgov.audit.services import audit_record

    audit_record(
        event=Event.CONFIG_CHANGED,
        actor=actor,
        actor_name="" if actor else "system",
        target=category,
        detail={"what": what, **detail},
    )


def clean_extra_fields(value: Any) -> list[dict[str, Any]]:
    """Check the definition list of a category's extra fields (see Category's docstring)."""
    if value in (None, ""):
        return []
    if not isinstance(value, list):
        raise ValidationFailed(
            _("Extra fields must be a list."), fields={"extra_fields": _("Must be a list.")}
        )
    seen: set[str] = set()
    cleaned: list[dict[str, Any]] = []
    for i, item in enumerate(value):
        where = f"extra_fields.{i}"
        if not isinstance(item, dict):
            raise ValidationFailed(_("Each extra field must be an object."), fields={where: "?"})
        name = str(item.get("name", ""))
        ftype = str(item.get("type", "text"))
        label = str(item.get("label", "")).strip()
        if not NAME_RE.match(name) or name in seen:
            raise ValidationFailed(
                _("Each extra field needs a unique name of lower-case letters and digits."),
                fields={where: _("Bad or repeated name.")},
            )
        if ftype not in FIELD_TYPES:
            raise ValidationFailed(
                _("Unknown extra field type."), fields={where: _("Unknown type.")}
            )
        entry: dict[str, Any] = {
            "name": name,
            "label": label or name,
            "type": ftype,
            "required": bool(item.get("required", False)),
        }
        if ftype == "choice":
            choices = item.get("choices")
            if not isinstance(choices, list) or not choices:
                raise ValidationFailed(
                    _("A choice field needs a list of choices."),
                    fields={where: _("No choices.")},
                )
            entry["choices"] = [str(c) for c in choices]
        seen.add(name)
        cleaned.append(entry)
    return cleaned


def _check(values: dict[str, Any]) -> None:
    errors: dict[str, str] = {}
    if "name" in values and not str(values["name"]).strip():
        errors["name"] = _("This field is required.")
    if "default_level" in values and values["default_level"] not in HandlingLevel.values:
        errors["default_level"] = _("Choose a handling level.")
    kind = values.get("default_department_kind")
    if kind and kind not in DepartmentKind.values:
        errors["default_department_kind"] = _("Unknown department kind.")
    for limit, unit in (
        ("check_limit", "check_unit"),
        ("sign_limit", "sign_unit"),
        ("handle_limit", "handle_unit"),
    ):
        if unit in values and values[unit] not in MAX_LIMIT:
            errors[unit] = _("Choose working hours or working days.")
        if limit in values:
            u = values.get(unit, TimeUnit.DAYS)
            n = values[limit]
            if not isinstance(n, int) or not 1 <= n <= MAX_LIMIT.get(u, 365):
                errors[limit] = _("Out of range.")
    if "priority" in values and values["priority"] not in (1, 2, 3):
        errors["priority"] = _("Priority is 1 (urgent), 2 (normal) or 3 (low).")
    if errors:
        raise ValidationFailed(_("Please correct the errors below."), fields=errors)


def category_create(
    *,
    actor: Any,
    code: str,
    name: str,
    parent: Category | None = None,
    **values: Any,
) -> Category:
    """A new category; ``values`` are any of :data:`EDITABLE`. A sub-category inherits the
    parent's limits and handling level unless given."""
    _require_config(actor, "category_create")
    code = (code or "").strip().upper()
    if not CODE_RE.match(code):
        raise ValidationFailed(
            _("Codes are 2 to 20 capital letters or digits."),
            fields={"code": _("Bad code.")},
        )
    if parent is not None and not code.startswith(parent.code):
        raise ValidationFailed(
            _("A sub-category's code starts with its parent's code."),
            fields={"code": _("Must start with %(code)s.") % {"code": parent.code}},
        )
    unknown = set(values) - set(EDITABLE)
    if unknown:
        raise TypeError(f"unknown category fields: {sorted(unknown)}")
    if parent is not None:
        for f in (
            "default_level",
            "default_department_kind",
            "check_limit",
            "check_unit",
            "sign_limit",
            "sign_unit",
            "handle_limit",
            "handle_unit",
            "priority",
        ):
            values.setdefault(f, getattr(parent, f))
    values["name"] = (name or "").strip()
    values["extra_fields"] = clean_extra_fields(values.get("extra_fields"))
    _check(values)
    with transaction.atomic():
        if Category.objects.filter(code=code).exists():
            raise ValidationFailed(
                _("A category with this code exists already."),
                fields={"code": _("Already in use.")},
            )
        category = Category(code=code, parent=parent, **values)
        category.save()
        revisions.bump(CATEGORIES)
        _audit(actor, category, "category_create", {"code": code})
    return category


def category_update(*, actor: Any, category: Category, **values: Any) -> Category:
    """Change any of :data:`EDITABLE` (the code and the parent stay: cases and reports use
    them)."""
    _require_config(actor, "category_update")
    unknown = set(values) - set(EDITABLE)
    if unknown:
        raise TypeError(f"unknown category fields: {sorted(unknown)}")
    if "name" in values:
        values["name"] = str(values["name"] or "").strip()
    if "extra_fields" in values:
        values["extra_fields"] = clean_extra_fields(values["extra_fields"])
    merged = {f: getattr(category, f) for f in EDITABLE} | values
    _check({k: merged[k] for k in merged if k in values or k.endswith("_unit")})
    changed = sorted(k for k, v in values.items() if getattr(category, k) != v)
    if not changed:
        return category
    with transaction.atomic():
        for k in changed:
            setattr(category, k, values[k])
        category.save(update_fields=changed)
        revisions.bump(CATEGORIES)
        _audit(actor, category, "category_update", {"fields": changed})
    return category


def category_deactivate(*, actor: Any, category: Category) -> Category:
    """Hide a category (and its sub-categories) from new reports; existing cases keep it."""
    _require_config(actor, "category_deactivate")
    with transaction.atomic():
        Category.objects.filter(parent=category).update(is_active=False)
        revisions.bump(CATEGORIES)
        if category.is_active:
            category.is_active = False
            category.save(update_fields=["is_active"])
        _audit(actor, category, "category_deactivate", {})
    return category


def validate_extra(category: Category, extra: dict[str, Any] | None) -> dict[str, Any]:
    """The case's extra fields checked against ``category.extra_fields`` (and its parent's):
    required ones present, numbers numeric, choices among the choices, dates ISO dates.
    Unknown keys are dropped. Raises ValidationFailed with ``{"extra.<name>": message}``."""
    extra = dict(extra or {})
    definitions = list(category.extra_fields or [])
    if category.parent_id is not None and category.parent is not None:
        names = {d.get("name") for d in definitions}
        definitions += [d for d in category.parent.extra_fields or [] if d.get("name") not in names]
    cleaned: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for d in definitions:
        name = str(d.get("name", ""))
        raw = extra.get(name)
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            if d.get("required"):
                errors[f"extra.{name}"] = _("This field is required.")
            continue
        ftype = d.get("type", "text")
        if ftype == "number":
            try:
                value: Any = float(raw) if not isinstance(raw, bool) else None
            except (TypeError, ValueError):
                value = None
            if value is None:
                errors[f"extra.{name}"] = _("Enter a number.")
                continue
            cleaned[name] = int(value) if float(value).is_integer() else value
        elif ftype == "choice":
            if str(raw) not in [str(c) for c in d.get("choices", [])]:
                errors[f"extra.{name}"] = _("Choose one of the offered values.")
                continue
            cleaned[name] = str(raw)
        elif ftype == "date":
            try:
                cleaned[name] = date.fromisoformat(str(raw)).isoformat()
            except ValueError:
                errors[f"extra.{name}"] = _("Enter a date (YYYY-MM-DD).")
        else:
            text = str(raw).strip()
            if len(text) > MAX_EXTRA_TEXT:
                errors[f"extra.{name}"] = _("The text is too long.")
                continue
            cleaned[name] = text
    if errors:
        raise ValidationFailed(_("Please correct the errors below."), fields=errors)
    return cleaned
