"""Mediation documents: the built-in templates, generating the three documents (opened with
python-docx), the audited reveal of the agreement, uploaded templates and the signed scan."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from docx import Document

from gridgov.audit.models import AuditEntry, Event
from gridgov.core.errors import Conflict, PermissionDenied, ValidationFailed
from gridgov.mediation.documents import builtin, generate, services
from gridgov.mediation.models import DisputeAttachment, DisputeEvent, DocumentTemplate
from gridgov.mediation.tests import documents_builders as b

ID_APPLICANT = b.valid("11010119900307123")
ID_RESPONDENT = b.valid("11010119850101262")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def mediator(tree, make_user):
    return make_user("med", ("mediator", tree.community))


@pytest.fixture
def gridworker(tree, make_user):
    return make_user("gw", ("grid_worker", tree.grid1))


@pytest.fixture
def dispatcher(tree, make_user):
    return make_user("disp", ("dispatcher", tree.street))


# --- Built-in templates ------------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(builtin.FILES))
def test_committed_templates_are_what_the_build_script_writes(kind):
    assert builtin.path_of(kind).read_bytes() == builtin.build_bytes(kind), (
        "run scripts/build-mediation-templates.py and commit the files"
    )


@pytest.mark.parametrize("kind", list(builtin.FILES))
def test_builtin_templates_pass_their_own_check(kind):
    generate.check_template(kind, builtin.path_of(kind).read_bytes())


def test_builtin_title_is_centred_in_a_song_face():
    doc = Document(str(builtin.path_of("agreement")))
    title = doc.paragraphs[0]
    assert title.text == "人民调解协议书"
    assert title.alignment == 1  # centre
    r_fonts = title.runs[0]._element.rPr.rFonts
    assert (
        r_fonts.get("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia")
        == "宋体"
    )


# --- Generating ---------------------------------------------------------------------------------


def test_application_names_the_parties_with_masked_numbers(tree, gridworker):
    d = b.dispute(tree.grid1)
    out = services.document_generate(actor=gridworker, dispute=d, kind="application")
    text = b.docx_text(out.content)
    assert "人民调解申请书" in text
    assert f"编号：{d.number}" in text
    assert "申请人：张建国" in text and "被申请人：李秀兰" in text
    assert "性别：男" in text and "性别：女" in text
    assert ID_APPLICANT not in text and "1***************" in text
    assert "13812341234" not in text and "138****1234" in text
    assert "凤鸣社区人民调解委员会" in text
    # Line breaks of the facts are kept as breaks, not lost.
    assert "张某在两家之间的通道堆放柴草，\n李某通行受阻" in text
    assert out.file_name == f"人民调解申请书-{d.number}.docx"
    assert not AuditEntry.objects.filter(event=Event.PERSONAL_DATA_VIEWED).exists()


def test_session_record_takes_the_latest_session_and_numbers_it(tree, mediator):
    d = b.dispute(tree.grid1)
    b.session(d, minutes="第一次：双方各执己见。", held_at=d.registered_at)
    b.session(d, minutes="第二次：双方同意清理通道。")
    out = services.document_generate(actor=mediator, dispute=d, kind="session_record")
    text = b.docx_text(out.content)
    assert "人民调解记录" in text and d.number in text
    assert "第二次：双方同意清理通道。" in text and "第一次" not in text
    assert "第 2 次调解" in text
    assert "张建国" in text and "李秀兰" in text


def test_session_record_without_a_session_is_refused(tree, mediator):
    d = b.dispute(tree.grid1)
    with pytest.raises(Conflict) as exc:
        services.document_generate(actor=mediator, dispute=d, kind="session_record")
    assert exc.value.code == "document_not_ready"


def test_agreement_holds_full_id_numbers_and_the_terms_and_is_audited(tree, mediator):
    d = b.dispute(tree.grid1, outcome="agreement", outcome_note="")
    terms = "一、张建国于三日内清理通道内柴草；\n二、李秀兰不再追究此事。"
    out = services.document_generate(
        actor=mediator,
        dispute=d,
        kind="agreement",
        terms=terms,
        performance_method="当场清理，调解员现场见证",
        deadline=date(2026, 12, 10),
    )
    text = b.docx_text(out.content)
    assert "人民调解协议书" in text and f"编号：{d.number}" in text
    assert ID_APPLICANT in text and ID_RESPONDENT in text
    assert "13812341234" in text
    assert "一、张建国于三日内清理通道内柴草；\n二、李秀兰不再追究此事。" in text
    assert "当场清理，调解员现场见证，于2026年12月10日前履行完毕。" in text
    assert "本协议一式3份" in text
    assert "人民调解员（签名）：马建才" in text
    assert "凤鸣社区人民调解委员会（印）" in text
    viewed = AuditEntry.objects.filter(event=Event.PERSONAL_DATA_VIEWED, actor=mediator)
    assert viewed.count() == 2
    assert {e.target_repr for e in viewed} == {f"{d.number} 张建国", f"{d.number} 李秀兰"}
    assert all(e.detail["fields"] == ["id_number", "phone"] for e in viewed)
    assert all(ID_APPLICANT not in str(e.detail) for e in viewed)


def test_agreement_takes_the_outcome_note_as_terms(tree, mediator):
    d = b.dispute(tree.grid1, outcome="agreement", outcome_note="双方同意各让一步。")
    out = services.document_generate(actor=mediator, dispute=d, kind="agreement")
    assert "双方同意各让一步。" in b.docx_text(out.content)


def test_agreement_needs_terms(tree, mediator):
    d = b.dispute(tree.grid1)
    with pytest.raises(ValidationFailed) as exc:
        services.document_generate(actor=mediator, dispute=d, kind="agreement")
    assert "terms" in exc.value.fields
    assert not AuditEntry.objects.filter(event=Event.PERSONAL_DATA_VIEWED).exists()


def test_agreement_without_parties_is_refused(tree, mediator):
    d = b.dispute(tree.grid1, with_parties=False)
    with pytest.raises(Conflict) as exc:
        services.document_generate(actor=mediator, dispute=d, kind="agreement", terms="和解")
    assert exc.value.code == "document_not_ready"


def test_agreement_is_refused_to_a_grid_worker_and_audited(tree, gridworker):
    d = b.dispute(tree.grid1)
    with pytest.raises(PermissionDenied):
        services.document_generate(actor=gridworker, dispute=d, kind="agreement", terms="和解")
    assert AuditEntry.objects.filter(event=Event.PERMISSION_DENIED, actor=gridworker).exists()
    assert not AuditEntry.objects.filter(event=Event.PERSONAL_DATA_VIEWED).exists()


def test_agreement_is_refused_to_a_mediator_of_another_area(tree, make_user):
    other = make_user("far", ("mediator", tree.village))
    d = b.dispute(tree.grid1)
    with pytest.raises(PermissionDenied):
        services.document_generate(actor=other, dispute=d, kind="agreement", terms="和解")


def test_text_that_looks_like_xml_is_written_as_text(tree, mediator):
    d = b.dispute(tree.grid1, summary="A<B & C>D </w:t> {{ number }}")
    out = services.document_generate(actor=mediator, dispute=d, kind="application")
    assert "A<B & C>D </w:t> {{ number }}" in b.docx_text(out.content)


# --- Uploaded templates -----------------------------------------------------------------------


def _template_with(*lines: str) -> bytes:
    doc = Document()
    for line in lines:
        doc.add_paragraph(line)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _upload(data: bytes, name: str = "协议书模板.docx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def test_an_uploaded_template_replaces_the_builtin_one(tree, dispatcher, mediator):
    data = _template_with(
        "本县专用协议书 {{ number }}",
        "{%p for p in parties %}",
        "{{ p.name }}（{{ p.id_number }}）",
        "{%p endfor %}",
        "协议：{{ terms }}",
    )
    row = services.template_upload(
        actor=dispatcher, kind="agreement", name="县司法局版", file=_upload(data)
    )
    assert row.active and services.active_template("agreement") == row
    d = b.dispute(tree.grid1)
    out = services.document_generate(actor=mediator, dispute=d, kind="agreement", terms="和解")
    text = b.docx_text(out.content)
    assert f"本县专用协议书 {d.number}" in text
    assert f"张建国（{ID_APPLICANT}）" in text
    assert out.template == "县司法局版"
    # Deactivated: the built-in one is used again.
    services.template_deactivate(actor=dispatcher, template=row)
    again = services.document_generate(actor=mediator, dispute=d, kind="agreement", terms="和解")
    assert "本县专用协议书" not in b.docx_text(again.content)
    assert again.template == "built-in"


def test_a_template_without_the_placeholders_is_refused_in_chinese(dispatcher):
    from django.utils import translation

    with translation.override("zh-hans"), pytest.raises(ValidationFailed) as exc:
        services.template_upload(
            actor=dispatcher,
            kind="agreement",
            name="缺字段",
            file=_upload(_template_with("人民调解协议书", "{{ number }}")),
        )
    assert exc.value.code == "bad_template"
    assert "{{ parties }}" in exc.value.fields["file"] and "{{ terms }}" in exc.value.fields["file"]
    assert "占位符" in exc.value.fields["file"]
    assert not DocumentTemplate.objects.exists()


@pytest.mark.parametrize(
    ("data", "name", "code"),
    [
        (b"%PDF-1.4\n1 0 obj\n%%EOF", "模板.docx", "bad_file"),  # a PDF named .docx
        (b"MZ\x90\x00rest", "模板.docx", "bad_file"),  # a program
        (b"not a zip at all", "模板.docx", "bad_file"),
        (b"%PDF-1.4\n1 0 obj\n%%EOF", "模板.pdf", "bad_template"),  # a real PDF
    ],
)
def test_disguised_or_wrong_uploads_are_refused(dispatcher, data, name, code):
    with pytest.raises(ValidationFailed) as exc:
        services.template_upload(
            actor=dispatcher, kind="agreement", name="x", file=_upload(data, name)
        )
    assert exc.value.code == code
    assert "file" in exc.value.fields
    assert not DocumentTemplate.objects.exists()


def test_broken_jinja_is_refused(dispatcher):
    data = _template_with("{{ number }} {{ parties }} {{ terms }}", "{% for x in %}")
    with pytest.raises(ValidationFailed) as exc:
        services.template_upload(actor=dispatcher, kind="agreement", name="x", file=_upload(data))
    assert exc.value.code == "bad_template"


def test_a_template_cannot_reach_python_internals(dispatcher):
    data = _template_with(
        "{{ number }} {{ parties }} {{ terms }}",
        "{{ number.__class__.__mro__[1].__subclasses__() }}",
    )
    with pytest.raises(ValidationFailed) as exc:
        services.template_upload(actor=dispatcher, kind="agreement", name="x", file=_upload(data))
    assert exc.value.code == "bad_template"


def test_only_managers_upload_templates(mediator):
    data = builtin.path_of("agreement").read_bytes()
    with pytest.raises(PermissionDenied):
        services.template_upload(actor=mediator, kind="agreement", name="x", file=_upload(data))
    assert not DocumentTemplate.objects.exists()


# --- The signed scan -----------------------------------------------------------------------------


def _pdf() -> bytes:
    return b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


def test_signed_scan_is_stored_with_its_kind_and_a_timeline_entry(tree, mediator):
    d = b.dispute(tree.grid1)
    row = services.document_attach_signed(
        actor=mediator, dispute=d, kind="agreement", file=_upload(_pdf(), "协议书签字.pdf")
    )
    assert row.document_kind == "agreement" and row.content_type == "application/pdf"
    assert row.event.action == "document_signed"
    assert row.event.data == {"document_kind": "agreement"}
    assert services.signed_documents(d) == [row]
    assert d.version == 1  # no state change, no version bump


def test_a_disguised_scan_stores_nothing(tree, mediator):
    d = b.dispute(tree.grid1)
    with pytest.raises(ValidationFailed) as exc:
        services.document_attach_signed(
            actor=mediator, dispute=d, kind="agreement", file=_upload(b"MZ\x90\x00", "scan.pdf")
        )
    assert exc.value.code == "bad_file"
    assert not DisputeAttachment.objects.exists()
    assert not DisputeEvent.objects.exists()


def test_a_grid_worker_cannot_file_the_scan(tree, gridworker):
    d = b.dispute(tree.grid1)
    with pytest.raises(PermissionDenied):
        services.document_attach_signed(
            actor=gridworker, dispute=d, kind="agreement", file=_upload(_pdf(), "s.pdf")
        )
    assert not DisputeAttachment.objects.exists()
