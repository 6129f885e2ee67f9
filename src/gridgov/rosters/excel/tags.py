"""The special-groups sheet (特殊人群): one row per person and group, with the group's facts.

The facts a group records (``TagType.fields``) go in one column, 具体情况, as
``残疾类别=肢体；残疾等级=二级`` (the fact's label or key, ``=``, the value; pairs separated by
``；`` or ``;``). The person must already be on the roster, in a grid within the importer's
ROSTER_EDIT jurisdiction; sensitive groups also need ROSTER_SENSITIVE there.

Re-import: an open tag of the same group is updated (facts, dates — an end date closes it);
otherwise a tag is added. ``Resident.sensitive`` is refreshed for every person touched.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from gridgov.core import crypto
from gridgov.core.errors import ValidationFailed
from gridgov.core.excel import CellProblem, Sheet, SheetRow, is_blank, text, to_date
from gridgov.rosters import idnumbers
from gridgov.rosters.excel.common import (
    BATCH,
    Context,
    Outcome,
    Progress,
    SheetSpec,
    optional_text,
)
from gridgov.rosters.models import Resident, ResidentTag, RosterEvent, TagType

ID = "身份证号"
NAME = "姓名"
TYPE = "特殊人群类型"
START = "开始日期"
END = "结束日期"
FACTS = "具体情况"
NOTE = "备注"
HEADERS = (ID, NAME, TYPE, START, END, FACTS, NOTE)

SPEC = SheetSpec(
    kind="tags",
    title="特殊人群",
    headers=HEADERS,
    example=(
        "11010519491231002X",
        "张三",
        "残疾",
        "2024-01-05",
        "",
        "残疾类别=肢体；残疾等级=二级",
        "",
    ),
    notes=(
        "第一行表头不要修改；从第二行起每行一人一类，示例行请删除或替换。",
        "人员须已在人口信息中登记（按身份证号查找），姓名仅供核对。",
        "特殊人群类型填写名称或编码，见下方列表；具体情况按“项目=内容”填写，多项用“；”分隔。",
        "开始日期必填；填写结束日期表示该标签已结束。",
        "再次导入同一人同一类型会更新未结束的标签，不会重复。",
        "不要合并单元格，不要使用公式（请粘贴为数值）。",
    ),
    text_columns=(ID,),
)

_PAIR_SPLIT = re.compile(r"[；;\n]")
_KV_SPLIT = re.compile(r"[=＝:：]")


def notes_with_types() -> tuple[str, ...]:
    """The sheet's notes plus one line per active group and the facts it records."""
    lines = list(SPEC.notes)
    for t in TagType.objects.filter(is_active=True).order_by("sort", "code"):
        facts = "、".join(
            f"{f.get('label') or f.get('key')}{'（必填）' if f.get('required') else ''}"
            for f in (t.fields or [])
        )
        lines.append(f"· {t.name}（{t.code}）" + (f"：{facts}" if facts else ""))
    return tuple(lines)


def _facts(row: SheetRow, tag_type: TagType, value: Any) -> dict[str, Any]:
    spec = {}
    for f in tag_type.fields or []:
        spec[str(f.get("key"))] = f
        if f.get("label"):
            spec[str(f["label"])] = f
    found: dict[str, Any] = {}
    given: set[str] = set()
    for part in _PAIR_SPLIT.split(text(value)):
        if not part.strip():
            continue
        bits = _KV_SPLIT.split(part, maxsplit=1)
        if len(bits) != 2:
            row.error(FACTS, _("Write each fact as label=value, separated by “；”."))
            continue
        label, raw = bits[0].strip(), bits[1].strip()
        f = spec.get(label)
        if f is None:
            row.error(FACTS, _("“%(label)s” is not a fact of this group.") % {"label": label[:20]})
            continue
        given.add(str(f["key"]))
        parsed = _fact_value(row, f, raw)
        if parsed is not None:
            found[str(f["key"])] = parsed
    for f in tag_type.fields or []:
        if f.get("required") and str(f.get("key")) not in given:
            row.error(
                FACTS,
                _("“%(label)s” is required for this group.")
                % {"label": f.get("label") or f.get("key")},
            )
    return found


def _fact_value(row: SheetRow, f: dict[str, Any], raw: str) -> Any:
    kind = f.get("type", "text")
    label = f.get("label") or f.get("key")
    if kind == "int":
        if re.fullmatch(r"-?\d+", raw):
            return int(raw)
        row.error(FACTS, _("“%(label)s”: not a whole number.") % {"label": label})
    elif kind == "decimal":
        try:
            return str(Decimal(raw))
        except InvalidOperation:
            row.error(FACTS, _("“%(label)s”: not a number.") % {"label": label})
    elif kind == "date":
        try:
            day = to_date(raw)
            return day.isoformat() if day else None
        except CellProblem:
            row.error(FACTS, _("“%(label)s”: not a date.") % {"label": label})
    elif kind == "choice":
        choices = [str(c) for c in f.get("choices") or []]
        if raw in choices:
            return raw
        row.error(
            FACTS,
            _("“%(label)s” must be one of: %(choices)s.")
            % {"label": label, "choices": "、".join(choices)},
        )
    else:
        return raw[:200]
    return None


def _date(row: SheetRow, column: str, value: Any, required: bool) -> date | None:
    try:
        day = to_date(value)
    except CellProblem as exc:
        row.error(column, str(exc))
        return None
    if day is None and required:
        row.error(column, _("Required."))
    return day


def run(ctx: Context, sheet: Sheet, progress: Progress) -> Outcome:
    outcome = Outcome()
    types = list(TagType.objects.filter(is_active=True))
    by_name = {t.name: t for t in types} | {t.code: t for t in types}
    parsed: list[tuple[SheetRow, dict[str, Any]]] = []
    seen: dict[tuple[str, int], int] = {}
    for row in sheet.rows():
        outcome.rows.append(row)
        v = row.values
        raw_id = v[0]
        id_hash = number = ""
        if is_blank(raw_id):
            row.error(ID, _("Required."))
        elif isinstance(raw_id, int | float):
            row.error(
                ID, _("The ID number was stored as a number and lost digits; format as text.")
            )
        else:
            try:
                number = idnumbers.parse_id("".join(text(raw_id).split())).number
                id_hash = crypto.keyed_hash(number)
            except ValidationFailed as exc:
                row.error(ID, str(exc.fields.get("id_number", exc.message)))
        tag_type = by_name.get(text(v[2]))
        if tag_type is None:
            row.error(
                TYPE,
                _("Unknown special group; use a name from the notes sheet.")
                if text(v[2])
                else _("Required."),
            )
        start = _date(row, START, v[3], True)
        end = _date(row, END, v[4], False)
        if start and end and end < start:
            row.error(END, _("The end date lies before the start date."))
        facts = _facts(row, tag_type, v[5]) if tag_type is not None else {}
        note = optional_text(row, NOTE, v[6], 200)
        if id_hash and tag_type is not None:
            key = (id_hash, tag_type.pk)
            if key in seen:
                row.error(TYPE, _("Repeats row %(row)s of this file.") % {"row": seen[key]})
            seen.setdefault(key, row.row)
        if not row.errors:
            parsed.append(
                (
                    row,
                    {
                        "hash": id_hash,
                        "number": number,
                        "type": tag_type,
                        "start": start,
                        "end": end,
                        "facts": facts,
                        "note": note,
                    },
                )
            )
    # The people: on the roster, editable, and (for sensitive groups) visible.
    residents: dict[str, Resident] = {}
    for i in range(0, len(parsed), BATCH):
        # A stored hash may be under the old key while a key rotation runs.
        alias = {
            h: d["hash"]
            for _r, d in parsed[i : i + BATCH]
            for h in crypto.keyed_hashes(d["number"])
        }
        for r in Resident.objects.filter(id_number_hash__in=list(alias)).only(
            "id", "id_number_hash", "area_path", "status"
        ):
            residents[alias[r.id_number_hash]] = r
    good = []
    for row, d in parsed:
        found = residents.get(d["hash"])
        if found is None:
            row.error(ID, _("No resident with this ID number is on the roster; import them first."))
        elif not ctx.may_edit(found.area_path):
            row.error(ID, _("This person is registered in a grid outside your jurisdiction."))
        elif d["type"].sensitive and not ctx.may_see_sensitive(found.area_path):
            row.error(TYPE, _("You may not record this special group in this grid."))
        else:
            d["resident"] = found
            good.append((row, d))
    progress(outcome.errors, outcome.total)
    if ctx.mode == "all" and outcome.errors:
        return outcome
    if ctx.mode == "all":
        with transaction.atomic():
            _write(ctx, [d for _r, d in good], outcome)
    else:
        for i in range(0, len(good), BATCH):
            with transaction.atomic():
                _write(ctx, [d for _r, d in good[i : i + BATCH]], outcome)
            progress(outcome.errors + i + len(good[i : i + BATCH]), outcome.total)
    progress(outcome.total, outcome.total)
    return outcome


def _write(ctx: Context, items: list[dict[str, Any]], outcome: Outcome) -> None:
    actor = ctx.actor if getattr(ctx.actor, "is_authenticated", False) else None
    ids = [d["resident"].pk for d in items]
    open_tags = {
        (t.resident_id, t.tag_type_id): t
        for t in ResidentTag.objects.filter(resident_id__in=ids, end_on__isnull=True)
    }
    new: list[ResidentTag] = []
    changed: list[ResidentTag] = []
    events: list[RosterEvent] = []
    for d in items:
        r = d["resident"]
        tag = open_tags.get((r.pk, d["type"].pk))
        if tag is None:
            new.append(
                ResidentTag(
                    resident=r,
                    tag_type=d["type"],
                    start_on=d["start"],
                    end_on=d["end"],
                    facts=d["facts"],
                    note=d["note"],
                    created_by=actor,
                )
            )
            events.append(
                RosterEvent(
                    kind=RosterEvent.Kind.IMPORTED,
                    resident=r,
                    actor=actor,
                    detail={"job": ctx.job_id, "tag": d["type"].code, "created": True},
                )
            )
            continue
        fields = [
            f
            for f, value in (
                ("start_on", d["start"]),
                ("end_on", d["end"]),
                ("facts", d["facts"]),
                ("note", d["note"]),
            )
            if getattr(tag, f) != value
        ]
        if fields:
            for f, value in (
                ("start_on", d["start"]),
                ("end_on", d["end"]),
                ("facts", d["facts"]),
                ("note", d["note"]),
            ):
                setattr(tag, f, value)
            tag.version += 1
            changed.append(tag)
            events.append(
                RosterEvent(
                    kind=RosterEvent.Kind.IMPORTED,
                    resident=r,
                    actor=actor,
                    detail={"job": ctx.job_id, "tag": d["type"].code, "fields": fields},
                )
            )
        outcome.updated += 1
    ResidentTag.fill_area_paths(new)  # bulk_create skips save(); the residents are loaded
    ResidentTag.objects.bulk_create(new)
    outcome.created += len(new)
    if changed:
        ResidentTag.objects.bulk_update(changed, ["start_on", "end_on", "facts", "note", "version"])
    RosterEvent.objects.bulk_create(events)
    _refresh_sensitive(ids)


def _refresh_sensitive(ids: list[int]) -> None:
    from gridgov.rosters.services.tags import refresh_sensitive

    refresh_sensitive(ids)


def export_rows(tags: Iterable[ResidentTag], *, unmask: bool) -> Iterator[list[Any]]:
    """Template columns for each tag (select_related resident and tag_type)."""
    from gridgov.rosters.privacy import display_name

    for t in tags:
        r = t.resident
        labels = {
            str(f.get("key")): f.get("label") or f.get("key") for f in t.tag_type.fields or []
        }
        facts = "；".join(f"{labels.get(k, k)}={v}" for k, v in (t.facts or {}).items())
        yield [
            crypto.decrypt(r.id_number_enc) if unmask else r.id_number_masked,
            r.name if unmask else display_name(r),
            t.tag_type.name,
            t.start_on.isoformat(),
            t.end_on.isoformat() if t.end_on else "",
            facts,
            t.note,
        ]
