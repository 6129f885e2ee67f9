"""Filling a DOCX template with a dispute: the context, the rendering, the template check.

Templates are docxtpl (Jinja2) templates, rendered in Jinja's **sandbox** with autoescaping: an
uploaded template is code written by a user, and must neither reach Python's internals nor
break the document's XML with a ``<`` or ``&`` in a party's address. Multi-line text (facts,
minutes, agreed terms) keeps its line breaks (docxtpl's ``Listing``).

Nothing here checks permissions or writes anything: :mod:`.services` does.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from docxtpl import DocxTemplate, Listing
from jinja2 import TemplateError
from jinja2.sandbox import SandboxedEnvironment

from gridgov.core.errors import Code, ValidationFailed
from gridgov.mediation.choices import DocumentKind, Outcome, PartyRole
from gridgov.mediation.documents import builtin

# The placeholders a template of each kind must use (an upload without them is refused).
REQUIRED: dict[str, frozenset[str]] = {
    DocumentKind.APPLICATION: frozenset({"number", "applicants", "facts"}),
    DocumentKind.SESSION_RECORD: frozenset({"number", "parties", "session"}),
    DocumentKind.AGREEMENT: frozenset({"number", "parties", "terms"}),
}
BLANK = "＿＿＿＿＿＿"  # a line left to fill in by hand
# The words of the official forms (the documents are Chinese whatever the page's language).
ROLE_WORDS = {
    PartyRole.APPLICANT: "申请人",
    PartyRole.RESPONDENT: "被申请人",
    PartyRole.OTHER: "第三人",
}
OUTCOME_WORDS = {
    Outcome.AGREEMENT: "调解成功",
    Outcome.NO_AGREEMENT: "调解不成",
    Outcome.WITHDRAWN: "当事人撤回调解申请",
}
FILE_TITLES = {
    DocumentKind.APPLICATION: "人民调解申请书",
    DocumentKind.SESSION_RECORD: "人民调解记录",
    DocumentKind.AGREEMENT: "人民调解协议书",
}


def _env() -> SandboxedEnvironment:
    return SandboxedEnvironment(autoescape=True)


def cn_date(value: date | datetime | None) -> str:
    """``2026年12月7日`` (a blank line when there is no date)."""
    if value is None:
        return BLANK
    if isinstance(value, datetime):
        value = timezone.localtime(value).date()
    return f"{value.year}年{value.month}月{value.day}日"


def cn_datetime(value: datetime | None) -> str:
    if value is None:
        return BLANK
    local = timezone.localtime(value)
    return f"{cn_date(local)}{local.hour}时{local.minute:02d}分"


def gender_of(id_number: str) -> str:
    """男/女 from an 18-digit citizen ID number (its 17th digit: odd for men), else a blank."""
    if len(id_number) == 18 and id_number[16].isdigit():
        return "男" if int(id_number[16]) % 2 else "女"
    return BLANK


def text(value: Any) -> Any:
    """Multi-line text for the document (line breaks kept), a blank line when empty."""
    value = str(value or "").strip()
    return Listing(value) if value else BLANK


@dataclass(frozen=True)
class PartyLine:
    """A party as written in a document. ``id_number``/``phone``: masked, or in full (agreement)."""

    role: str
    role_label: str
    name: str
    gender: str
    id_number: str
    phone: str
    address: str

    def as_context(self) -> dict[str, Any]:
        return {
            "role": self.role,
            "role_label": self.role_label,
            "name": self.name,
            "gender": self.gender,
            "id_number": self.id_number or BLANK,
            "phone": self.phone or BLANK,
            "address": self.address or BLANK,
        }


def party_lines(parties: Iterable[Any], *, full: bool) -> list[PartyLine]:
    """The parties (applicants first, then respondents, then others) as written: ID number and
    phone in full only when ``full`` (the caller has audited the reveal)."""
    from gridgov.core import pii

    order = {PartyRole.APPLICANT: 0, PartyRole.RESPONDENT: 1}
    lines = []
    for p in sorted(parties, key=lambda p: (order.get(p.role, 2), p.pk or 0)):
        declared = pii.personal_fields(p)
        id_clear = declared["id_number"].clear_value(p)
        lines.append(
            PartyLine(
                role=p.role,
                role_label=ROLE_WORDS.get(p.role, "当事人"),
                name=p.name,
                gender=gender_of(id_clear),
                id_number=id_clear if full else p.id_number_masked,
                phone=declared["phone"].clear_value(p) if full else p.phone_masked,
                address=p.address,
            )
        )
    return lines


def committee_name(dispute: Any) -> str:
    """The committee that mediates: the room's or the mediator's, else the nearest committee
    at the dispute's area or above, else "<area>人民调解委员会"."""
    from gridgov.mediation.models import Committee

    for holder in (dispute.room, dispute.mediator):
        committee = getattr(holder, "committee", None) if holder is not None else None
        if committee is not None:
            return str(committee.name)
    ids = [i for i in dispute.area_path.strip("/").split("/") if i]
    found = {c.area_id: c.name for c in Committee.objects.filter(area_id__in=ids, active=True)}
    for area_id in reversed(ids):
        if int(area_id) in found:
            return str(found[int(area_id)])
    return f"{dispute.area.name}人民调解委员会"


def base_context(dispute: Any, lines: list[PartyLine], now: datetime) -> dict[str, Any]:
    parties = [line.as_context() for line in lines]
    return {
        "number": dispute.number,
        "title": dispute.title,
        "type": dispute.type.name,
        "facts": text(dispute.summary or dispute.title),
        "request": text(dispute.title),
        "place": dispute.place or BLANK,
        "amount": f"{dispute.amount}元" if dispute.amount is not None else BLANK,
        "area": dispute.area.name,
        "committee": committee_name(dispute),
        "room": dispute.room.name if dispute.room_id else BLANK,
        "mediator": dispute.mediator.name if dispute.mediator_id else BLANK,
        "outcome": OUTCOME_WORDS.get(dispute.outcome, BLANK),
        "parties": parties,
        "applicants": [p for p in parties if p["role"] == PartyRole.APPLICANT],
        "respondents": [p for p in parties if p["role"] == PartyRole.RESPONDENT],
        "others": [p for p in parties if p["role"] == PartyRole.OTHER],
        "date": cn_date(now),
    }


def session_context(session: Any, index: int) -> dict[str, Any]:
    recorder = session.recorded_by
    return {
        "index": index,
        "held_at": cn_datetime(session.held_at),
        "place": session.place or BLANK,
        "attendees": text(session.attendees),
        "minutes": text(session.minutes),
        "recorded_by": (recorder.get_full_name() or recorder.get_username()) if recorder else BLANK,
    }


def sample_context(kind: str) -> dict[str, Any]:
    """A context with every variable filled, to try an uploaded template."""
    party = PartyLine(
        PartyRole.APPLICANT, "申请人", "张三", "男", "1***************3X", "138****1234", "某村"
    ).as_context()
    other = {**party, "role": PartyRole.RESPONDENT, "role_label": "被申请人", "name": "李四"}
    return {
        "number": "T-0001",
        "title": "邻里纠纷",
        "type": "邻里",
        "facts": text("纠纷事实"),
        "request": text("请求调解"),
        "place": "某村",
        "amount": "100元",
        "area": "某社区",
        "committee": "某社区人民调解委员会",
        "room": "调解室",
        "mediator": "王五",
        "outcome": "调解成功",
        "parties": [party, other],
        "applicants": [party],
        "respondents": [other],
        "others": [],
        "date": "2026年1月1日",
        "session": {
            "index": 1,
            "held_at": "2026年1月1日9时00分",
            "place": "调解室",
            "attendees": text("张三、李四"),
            "minutes": text("记录"),
            "recorded_by": "王五",
        },
        "sessions": [],
        "terms": text("协议内容"),
        "performance_method": "当面交付",
        "deadline": "2026年1月31日",
        "copies": 3,
    }


def render(template_bytes: bytes, context: dict[str, Any]) -> bytes:
    """The filled document. A template that fails to render is a ``bad_template`` error."""
    try:
        doc = DocxTemplate(io.BytesIO(template_bytes))
        doc.render(context, jinja_env=_env(), autoescape=True)
        out = io.BytesIO()
        doc.save(out)
    except (TemplateError, ValueError, KeyError, TypeError, AttributeError) as exc:
        msg = _("The document template could not be filled in: %(error)s") % {"error": exc}
        raise ValidationFailed(msg, code=Code.BAD_TEMPLATE) from exc
    return out.getvalue()


def check_template(kind: str, data: bytes) -> None:
    """An uploaded template must be a DOCX template that uses the kind's placeholders
    (:data:`REQUIRED`) and fills in without error; else ``bad_template`` on ``file``."""
    try:
        found = DocxTemplate(io.BytesIO(data)).get_undeclared_template_variables(jinja_env=_env())
    except Exception as exc:  # a damaged package or broken Jinja: anything docxtpl raises
        msg = _("The file is not a usable document template (%(error)s).") % {
            "error": type(exc).__name__
        }
        raise ValidationFailed(msg, code=Code.BAD_TEMPLATE, fields={"file": msg}) from exc
    missing = sorted(REQUIRED[kind] - set(found))
    if missing:
        msg = _("The template lacks the placeholders: %(names)s.") % {
            "names": "、".join(f"{{{{ {name} }}}}" for name in missing)
        }
        raise ValidationFailed(msg, code=Code.BAD_TEMPLATE, fields={"file": msg})
    try:
        render(data, sample_context(kind))
    except ValidationFailed as exc:
        raise ValidationFailed(
            exc.message, code=Code.BAD_TEMPLATE, fields={"file": exc.message}
        ) from exc


def builtin_bytes(kind: str) -> bytes:
    return builtin.path_of(kind).read_bytes()


def file_name(kind: str, number: str) -> str:
    return f"{FILE_TITLES[DocumentKind(kind)]}-{number}.docx"
