"""The party-member list in Excel: template, import and export, in one layout.

Columns (Chinese headers, like the sheets offices keep): 姓名, 身份证号, 联系电话, 所在党组织,
党员类别, 入党日期, 转正日期. An import goes into an organisation chosen by the user: the
所在党组织 column names it or one of its sub-organisations (blank = the chosen one). Every row is
checked and every problem reported with row, column and reason; mode ``valid`` imports the good
rows, mode ``all`` imports nothing when any row is bad. Rows are matched to existing members by
the ID number's keyed hash, so importing the same file again updates instead of duplicating
(a changed organisation becomes a recorded transfer).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from gridgov.accounts import scoping
from gridgov.accounts.roles import Perm
from gridgov.audit.models import Event
from gridgov.audit.services import audit_record
from gridgov.core import crypto, excel
from gridgov.core.errors import DomainError, PermissionDenied, ValidationFailed
from gridgov.kernel.scoped import visible
from gridgov.party import selectors, services
from gridgov.party.models import MemberStatus, PartyMember, PartyOrg
from gridgov.rosters import idnumbers, privacy

COL_NAME = "姓名"
COL_ID = "身份证号"
COL_PHONE = "联系电话"
COL_ORG = "所在党组织"
COL_STATUS = "党员类别"
COL_JOINED = "入党日期"
COL_CONFIRMED = "转正日期"
HEADERS = [COL_NAME, COL_ID, COL_PHONE, COL_ORG, COL_STATUS, COL_JOINED, COL_CONFIRMED]
SHEET_TITLE = "党员名册"
EXPORT_KIND = "party_members"
MODES = ("valid", "all")
STATUS_TEXT = {MemberStatus.FULL: "正式党员", MemberStatus.PROBATIONARY: "预备党员"}
_STATUS_IN = {
    "正式党员": MemberStatus.FULL,
    "正式": MemberStatus.FULL,
    "预备党员": MemberStatus.PROBATIONARY,
    "预备": MemberStatus.PROBATIONARY,
    "full": MemberStatus.FULL,
    "probationary": MemberStatus.PROBATIONARY,
}
# Field names of the services → the sheet's columns, for errors raised by a service.
_FIELD_COLUMN = {
    "name": COL_NAME,
    "id_number": COL_ID,
    "phone": COL_PHONE,
    "org": COL_ORG,
    "to_org": COL_ORG,
    "status": COL_STATUS,
    "joined_on": COL_JOINED,
    "confirmed_on": COL_CONFIRMED,
    "on": COL_CONFIRMED,
}


def build_template() -> bytes:
    return excel.template(
        title=SHEET_TITLE,
        headers=HEADERS,
        example=[
            "张三",
            "640121199001011236",
            "13800000000",
            "",
            "正式党员",
            "2015-07-01",
            "2016-07-01",
        ],
        text_columns=[COL_ID, COL_PHONE],
        notes=[
            "每行一名党员；第2行是示例，导入前请删除或改成真实数据。",
            "身份证号：18位，最后一位可以是X；同一身份证号再次导入时更新该党员，不会重复登记。",
            "所在党组织：导入时所选党组织或其下级党组织的名称；留空即为所选党组织。",
            "党员类别：正式党员 或 预备党员；预备党员不填转正日期。",
            "日期格式：2024-01-05；入党时须年满18周岁，转正日期不早于入党满一年。",
            "不要合并单元格，不要使用公式。",
        ],
    )


@dataclass
class MemberRow:
    sheet: excel.SheetRow
    name: str = ""
    id_number: str = ""
    id_hash: str = ""
    phone: str = ""
    org: PartyOrg | None = None
    status: str = ""
    joined_on: date | None = None
    confirmed_on: date | None = None
    existing: PartyMember | None = None


@dataclass
class ImportResult:
    mode: str
    total: int = 0
    created: int = 0
    updated: int = 0
    rows: list[excel.SheetRow] = field(default_factory=list)  # every row read

    @property
    def errors(self) -> list[excel.RowError]:
        return [e for r in self.rows for e in r.errors]

    @property
    def failed(self) -> int:
        return sum(1 for r in self.rows if r.errors)

    def as_dict(self) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "total": self.total,
            "created": self.created,
            "updated": self.updated,
            "failed": self.failed,
            "errors": [{"row": e.row, "column": e.column, "reason": e.reason} for e in self.errors],
        }


def error_report(result: ImportResult) -> bytes:
    return excel.error_sheet(title=SHEET_TITLE, headers=HEADERS, rows=result.rows)


class _Checker:
    def __init__(self, actor: Any, org: PartyOrg) -> None:
        self.actor = actor
        subtree = PartyOrg.objects.filter(
            pk__in=selectors.org_subtree_ids(org), is_active=True
        ).select_related("area")
        self.orgs: dict[str, list[PartyOrg]] = {}
        for o in subtree:
            self.orgs.setdefault(o.name, []).append(o)
        self.default = org
        self.seen: dict[str, int] = {}

    def org(self, value: Any, row: excel.SheetRow) -> PartyOrg | None:
        name = excel.text(value)
        if not name:
            return self.default
        found = self.orgs.get(name, [])
        if len(found) == 1:
            return found[0]
        if not found:
            row.error(COL_ORG, _("No active organisation of this name under the chosen one."))
        else:
            row.error(
                COL_ORG, _("More than one organisation has this name; import them separately.")
            )
        return None

    def check(self, sheet_row: excel.SheetRow) -> MemberRow:
        row = MemberRow(sheet=sheet_row)
        v = dict(zip(HEADERS, sheet_row.values, strict=True))
        err = sheet_row.error
        row.name = excel.text(v[COL_NAME])
        if not row.name:
            err(COL_NAME, _("Required."))
        elif len(row.name) > 50:
            err(COL_NAME, _("At most %(n)d characters.") % {"n": 50})
        facts = None
        try:
            facts = idnumbers.parse_id(excel.text(v[COL_ID]))
        except ValidationFailed as exc:
            err(COL_ID, exc.message if not excel.is_blank(v[COL_ID]) else _("Required."))
        if facts is not None:
            row.id_number = facts.number
            row.id_hash = crypto.keyed_hash(facts.number)
            first = self.seen.setdefault(row.id_hash, sheet_row.row)
            if first != sheet_row.row:
                err(COL_ID, _("The same ID number is already on row %(row)d.") % {"row": first})
        try:
            row.phone = idnumbers.normalise_phone(excel.text(v[COL_PHONE]))
        except ValidationFailed as exc:
            err(COL_PHONE, exc.message)
        row.org = self.org(v[COL_ORG], sheet_row)
        status_text = excel.text(v[COL_STATUS])
        row.status = _STATUS_IN.get(status_text, "")
        if not row.status:
            err(COL_STATUS, _("Write 正式党员 or 预备党员."))
        for column, attr in ((COL_JOINED, "joined_on"), (COL_CONFIRMED, "confirmed_on")):
            try:
                setattr(row, attr, excel.to_date(v[column]))
            except excel.CellProblem as exc:
                err(column, str(exc))
        if row.joined_on is None and excel.is_blank(v[COL_JOINED]):
            err(COL_JOINED, _("Required."))
        if facts is not None and row.status and row.joined_on and not sheet_row.errors:
            try:
                services.members.check_dates(
                    birth_date=facts.birth_date,
                    status=row.status,
                    joined_on=row.joined_on,
                    confirmed_on=row.confirmed_on,
                )
            except ValidationFailed as exc:
                _row_error(sheet_row, exc)
        return row


def _row_error(sheet_row: excel.SheetRow, exc: DomainError) -> None:
    columns = [_FIELD_COLUMN.get(f, "") for f in exc.fields] or [""]
    for column, message in zip(columns, [*exc.fields.values()] or [exc.message], strict=False):
        sheet_row.error(column, str(message))


def _match_existing(actor: Any, rows: list[MemberRow]) -> None:
    """Attach existing members (by ID hash, in batches); refuse those outside the jurisdiction."""
    by_hash = {r.id_hash: r for r in rows if r.id_hash and not r.sheet.errors}
    # A stored hash may be under the old key while a key rotation runs.
    alias = {h: r.id_hash for r in by_hash.values() for h in crypto.keyed_hashes(r.id_number)}
    hashes = list(alias)
    for start in range(0, len(hashes), 500):
        chunk = hashes[start : start + 500]
        for member in PartyMember.objects.filter(id_number_hash__in=chunk).select_related(
            "org", "org__area"
        ):
            row = by_hash[alias[member.id_number_hash]]
            if not scoping.can(actor, Perm.PARTY_MANAGE, member.org.area):
                row.sheet.error(
                    COL_ID,
                    _("This person is a member of an organisation outside your jurisdiction."),
                )
            elif not member.is_active:
                row.sheet.error(COL_ID, _("This member has left; re-register them on the page."))
            elif member.status == MemberStatus.FULL and row.status == MemberStatus.PROBATIONARY:
                row.sheet.error(COL_STATUS, _("A full member cannot become probationary again."))
            elif (
                member.status == MemberStatus.PROBATIONARY
                and row.status == MemberStatus.FULL
                and row.confirmed_on is None
            ):
                row.sheet.error(
                    COL_CONFIRMED, _("Give the date the probationary member became a full member.")
                )
            else:
                row.existing = member


def _apply(actor: Any, row: MemberRow) -> bool:
    """Create or update one member through the services; True if created."""
    assert row.org is not None
    member = row.existing
    if member is None:
        services.member_create(
            actor=actor,
            org=row.org,
            name=row.name,
            id_number=row.id_number,
            phone=row.phone,
            status=row.status,
            joined_on=row.joined_on,
            confirmed_on=row.confirmed_on,
        )
        return True
    confirm = member.status == MemberStatus.PROBATIONARY and row.status == MemberStatus.FULL
    extra: dict[str, Any] = {} if confirm else {"confirmed_on": row.confirmed_on}
    member = services.member_update(
        actor=actor,
        member=member,
        version=member.version,
        name=row.name,
        phone=row.phone,
        joined_on=row.joined_on,
        **extra,
    )
    if confirm:
        assert row.confirmed_on is not None  # checked in _match_existing
        member = services.member_confirm(
            actor=actor, member=member, on=row.confirmed_on, version=member.version
        )
    if member.org_id != row.org.pk:
        services.member_transfer(
            actor=actor, member=member, to_org=row.org, on=_today(), reason="名册导入"
        )
    return False


def _today() -> date:
    from django.utils import timezone

    return timezone.localdate()


def import_members(*, actor: Any, org: PartyOrg, data: bytes, mode: str = "valid") -> ImportResult:
    """Check every row, then import (see the module text). File-level problems raise
    :class:`ValidationFailed` on ``file``; row problems are in the result."""
    scoping.require(actor, Perm.PARTY_MANAGE, org.area, what="party_member_import")
    if mode not in MODES:
        msg = _("Choose how to import.")
        raise ValidationFailed(msg, fields={"mode": msg})
    if not org.is_active:
        msg = _("This organisation is no longer active.")
        raise ValidationFailed(msg, fields={"org": msg})
    sheet = excel.Sheet(data, HEADERS)
    checker = _Checker(actor, org)
    try:
        rows = [checker.check(r) for r in sheet.rows()]
    finally:
        sheet.close()
    _match_existing(actor, rows)
    result = ImportResult(mode=mode, total=len(rows), rows=[r.sheet for r in rows])
    good = [r for r in rows if not r.sheet.errors]
    if mode == "all" and len(good) != len(rows):
        _audit(actor, org, result)
        return result
    if mode == "all":
        try:
            with transaction.atomic():
                for r in good:
                    _count(result, _apply_row(actor, r, raise_errors=True))
        except DomainError:
            result.created = result.updated = 0
    else:
        for r in good:
            _count(result, _apply_row(actor, r, raise_errors=False))
    _audit(actor, org, result)
    return result


def _count(result: ImportResult, created: bool | None) -> None:
    if created is True:
        result.created += 1
    elif created is False:
        result.updated += 1


def _apply_row(actor: Any, row: MemberRow, *, raise_errors: bool) -> bool | None:
    try:
        with transaction.atomic():
            return _apply(actor, row)
    except DomainError as exc:
        _row_error(row.sheet, exc)
        if raise_errors:
            raise
        return None


def _audit(actor: Any, org: PartyOrg, result: ImportResult) -> None:
    audit_record(
        event=Event.ROSTER_IMPORTED,
        actor=actor,
        target=org,
        area=org.area,
        detail={
            "kind": EXPORT_KIND,
            "mode": result.mode,
            "rows": result.total,
            "created": result.created,
            "updated": result.updated,
            "failed": result.failed,
        },
    )


# --- Export -----------------------------------------------------------------------------------


def export_members(
    *,
    actor: Any,
    org: PartyOrg | None = None,
    q: str = "",
    status: str = "",
    unmasked: bool = False,
    reason: str = "",
) -> tuple[bytes, int]:
    """The filtered member list in the import layout, masked unless ``unmasked`` (which needs
    ROSTER_UNMASK and a reason). Needs ROSTER_EXPORT (at ``org``'s area, or rows are limited to
    where the user holds it); audited through :func:`privacy.record_export`."""
    if org is not None:
        scoping.require(actor, Perm.ROSTER_EXPORT, org.area, what="party_member_export")
    elif not scoping.has_perm_anywhere(actor, Perm.ROSTER_EXPORT):
        scoping.require(actor, Perm.ROSTER_EXPORT, None, what="party_member_export")
    qs = selectors.member_list_for(actor=actor, org=org, q=q, status=status)
    qs = visible(qs, actor, Perm.ROSTER_EXPORT)
    if unmasked:
        qs = visible(qs, actor, Perm.ROSTER_UNMASK)
    count = qs.count()
    privacy.record_export(
        actor=actor,
        kind=EXPORT_KIND,
        count=count,
        unmasked=unmasked,
        reason=reason,
        filters={"org": org.pk if org else None, "q": q, "status": status},
        area_path=org.area_path if org else "",
    )
    return excel.write_rows(
        title=SHEET_TITLE,
        headers=HEADERS,
        rows=_export_rows(qs, unmasked),
        text_columns=[COL_ID, COL_PHONE],
    ), count


def _export_rows(qs: Any, unmasked: bool) -> Iterator[list[Any]]:
    for m in qs.iterator(chunk_size=1000):
        if unmasked:
            id_number, phone = crypto.decrypt(m.id_number_enc), crypto.decrypt(m.phone_enc)
        else:
            id_number, phone = m.id_number_masked, m.phone_masked
        yield [
            m.name,
            id_number,
            phone,
            m.org.name,
            STATUS_TEXT.get(m.status, m.status),
            m.joined_on,
            m.confirmed_on,
        ]


def require_importer(actor: Any) -> None:
    if not scoping.has_perm_anywhere(actor, Perm.PARTY_MANAGE):
        scoping.require(actor, Perm.PARTY_MANAGE, None, what="party_member_import")


__all__ = [
    "HEADERS",
    "ImportResult",
    "PermissionDenied",
    "build_template",
    "error_report",
    "export_members",
    "import_members",
    "require_importer",
]
