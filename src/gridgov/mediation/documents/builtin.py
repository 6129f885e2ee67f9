"""The three built-in DOCX templates (申请书, 调解记录, 协议书), written with python-docx.

The committed files under ``templates_docx/`` are the output of :func:`build_all` (run
``scripts/build-mediation-templates.py``); a test rebuilds them and compares the bytes, so the
binaries never drift from this code. The layout follows the forms of the Ministry of Justice's
people's-mediation documents: the title centred in a Song face, the number on the right, one
block per party (name, gender, ID number, address, phone), the facts, the agreed terms with how
and by when they are performed, the signatures of the parties and the mediator, the committee's
seal line and the date. The body is set in FangSong, the official-document face.

Placeholders are docxtpl's (Jinja2): ``{{ number }}``, ``{%p for p in parties %}`` … (the
variables are listed in :data:`gridgov.mediation.documents.generate.REQUIRED`).
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from docx.text.paragraph import Paragraph

from gridgov.mediation.choices import DocumentKind

FOLDER = Path(__file__).resolve().parent / "templates_docx"
FILES = {
    DocumentKind.APPLICATION: "application.docx",
    DocumentKind.SESSION_RECORD: "session_record.docx",
    DocumentKind.AGREEMENT: "agreement.docx",
}

TITLE_FONT = "宋体"
BODY_FONT = "仿宋"
TITLE_SIZE = Pt(22)  # 二号
BODY_SIZE = Pt(15)  # 小三 (三号 is 16 pt; a touch smaller keeps a party's block on one line)
# A fixed moment for the package's dates, so the same code gives the same bytes.
FIXED = datetime(2026, 1, 1)
ZIP_DATE = (1980, 1, 1, 0, 0, 0)


def _font(run: object, face: str, size: Pt, *, bold: bool = False) -> None:
    run.font.name = face  # type: ignore[attr-defined]
    run.font.size = size  # type: ignore[attr-defined]
    run.font.bold = bold  # type: ignore[attr-defined]
    # Chinese text takes the East Asian face, which python-docx does not set by itself.
    r_pr = run._element.get_or_add_rPr()  # type: ignore[attr-defined]
    r_pr.get_or_add_rFonts().set(qn("w:eastAsia"), face)


def _para(
    doc: object,
    text: str = "",
    *,
    align: WD_ALIGN_PARAGRAPH | None = None,
    bold: bool = False,
    indent: bool = False,
    face: str = BODY_FONT,
    size: Pt = BODY_SIZE,
    before: int = 0,
    after: int = 0,
) -> Paragraph:
    p: Paragraph = doc.add_paragraph()  # type: ignore[attr-defined]
    if align is not None:
        p.alignment = align
    fmt = p.paragraph_format
    fmt.space_before = Pt(before)
    fmt.space_after = Pt(after)
    fmt.line_spacing = Pt(28)  # the fixed 28-point line of official documents
    if indent:
        fmt.first_line_indent = Pt(size.pt * 2)  # two characters
    if text:
        _font(p.add_run(text), face, size, bold=bold)
    return p


def _new_document() -> object:
    doc = Document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(21), Cm(29.7)  # A4
    section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
    section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)
    normal = doc.styles["Normal"]
    normal.font.name = BODY_FONT
    normal.font.size = BODY_SIZE
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), BODY_FONT)
    props = doc.core_properties
    props.author = "gridgov"
    props.last_modified_by = "gridgov"
    props.created = FIXED
    props.modified = FIXED
    props.revision = 1
    return doc


def _title(doc: object, text: str) -> None:
    _para(doc, text, align=WD_ALIGN_PARAGRAPH.CENTER, bold=True, face=TITLE_FONT, size=TITLE_SIZE)


def _number(doc: object) -> None:
    _para(doc, "编号：{{ number }}", align=WD_ALIGN_PARAGRAPH.RIGHT, after=6)


def _parties(doc: object, listing: str) -> None:
    """One block per party of ``listing`` (``parties``, ``applicants``, ``respondents``)."""
    _para(doc, f"{{%p for p in {listing} %}}")
    _para(
        doc,
        "{{ p.role_label }}：{{ p.name }}，性别：{{ p.gender }}，公民身份号码：{{ p.id_number }}",
    )
    _para(doc, "住址：{{ p.address }}，联系电话：{{ p.phone }}")
    _para(doc, "{%p endfor %}")


def _heading(doc: object, text: str) -> None:
    _para(doc, text, bold=True, before=6)


def _body(doc: object, text: str) -> None:
    _para(doc, text, indent=True)


def _signatures(doc: object, *, left: str, right: list[str]) -> None:
    table = doc.add_table(rows=max(1, len(right)), cols=2)  # type: ignore[attr-defined]
    for i in range(len(table.rows)):
        cells = table.rows[i].cells
        if i == 0:
            cell_p = cells[0].paragraphs[0]
            _font(cell_p.add_run(left), BODY_FONT, BODY_SIZE)
        if i < len(right):
            cell_p = cells[1].paragraphs[0]
            _font(cell_p.add_run(right[i]), BODY_FONT, BODY_SIZE)


def _seal_and_date(doc: object) -> None:
    _para(doc, "{{ committee }}（印）", align=WD_ALIGN_PARAGRAPH.RIGHT, before=24)
    _para(doc, "{{ date }}", align=WD_ALIGN_PARAGRAPH.RIGHT)


def build_application() -> object:
    """人民调解申请书."""
    doc = _new_document()
    _title(doc, "人民调解申请书")
    _number(doc)
    _heading(doc, "申请人")
    _parties(doc, "applicants")
    _heading(doc, "被申请人")
    _parties(doc, "respondents")
    _heading(doc, "纠纷类型：{{ type }}")
    _heading(doc, "纠纷发生地：{{ place }}")
    _heading(doc, "纠纷简要情况：")
    _body(doc, "{{ facts }}")
    _heading(doc, "申请事项：")
    _body(doc, "{{ request }}")
    _body(doc, "本人自愿申请{{ committee }}调解上述纠纷，并如实陈述纠纷事实。")
    _body(doc, "此致")
    _para(doc, "{{ committee }}")
    _signatures(doc, left="", right=["申请人（签名或按指印）：", "", "{{ date }}"])
    return doc


def build_session_record() -> object:
    """人民调解记录 (one session's record; ``session`` is the session, ``sessions`` all)."""
    doc = _new_document()
    _title(doc, "人民调解记录")
    _number(doc)
    _para(doc, "纠纷名称：{{ title }}")
    _para(doc, "调解时间：{{ session.held_at }}（第 {{ session.index }} 次调解）")
    _para(doc, "调解地点：{{ session.place }}")
    _heading(doc, "当事人")
    _parties(doc, "parties")
    _para(doc, "参加人：{{ session.attendees }}")
    _para(doc, "调解员：{{ mediator }}　调解室：{{ room }}")
    _para(doc, "记录人：{{ session.recorded_by }}")
    _heading(doc, "纠纷简要情况：")
    _body(doc, "{{ facts }}")
    _heading(doc, "调解记录：")
    _body(doc, "{{ session.minutes }}")
    _heading(doc, "调解结果：{{ outcome }}")
    _signatures(
        doc,
        left="当事人（签名或按指印）：",
        right=["调解员（签名）：", "记录人（签名）：", "{{ date }}"],
    )
    return doc


def build_agreement() -> object:
    """人民调解协议书 (with the parties' full ID numbers: the legal document)."""
    doc = _new_document()
    _title(doc, "人民调解协议书")
    _number(doc)
    _heading(doc, "当事人")
    _parties(doc, "parties")
    _heading(doc, "纠纷主要事实、争议事项：")
    _body(doc, "{{ facts }}")
    _body(
        doc,
        "经{{ committee }}调解，双方当事人在平等协商、互谅互让的基础上自愿达成如下协议：",
    )
    _body(doc, "{{ terms }}")
    _heading(doc, "履行方式、时限：")
    _body(doc, "{{ performance_method }}，于{{ deadline }}前履行完毕。")
    _body(
        doc,
        "本协议一式{{ copies }}份，当事人、人民调解委员会各持一份，自各方当事人签名或按指印、"
        "人民调解员签名并加盖人民调解委员会印章之日起生效。当事人应当按照约定履行。",
    )
    _signatures(
        doc,
        left="当事人（签名或按指印）：",
        right=["人民调解员（签名）：{{ mediator }}", "记录人（签名）："],
    )
    _seal_and_date(doc)
    return doc


BUILDERS: dict[str, Callable[[], object]] = {
    DocumentKind.APPLICATION: build_application,
    DocumentKind.SESSION_RECORD: build_session_record,
    DocumentKind.AGREEMENT: build_agreement,
}


def _stable(data: bytes) -> bytes:
    """The package re-zipped with fixed member dates (python-docx stamps the current time)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=ZIP_DATE)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = info.external_attr
            dst.writestr(fixed, src.read(info.filename))
    return out.getvalue()


def build_bytes(kind: str) -> bytes:
    """The built-in template of ``kind`` as DOCX bytes (always the same for the same code)."""
    out = io.BytesIO()
    BUILDERS[kind]().save(out)  # type: ignore[attr-defined]
    return _stable(out.getvalue())


def path_of(kind: str) -> Path:
    return FOLDER / FILES[DocumentKind(kind)]


def build_all(folder: Path = FOLDER) -> list[Path]:
    """Write the three built-in templates into ``folder``; returns their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for kind, name in FILES.items():
        target = folder / name
        target.write_bytes(build_bytes(kind))
        written.append(target)
    return written
