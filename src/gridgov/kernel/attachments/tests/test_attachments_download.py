"""Attachments stored for an owner and served only through the owner's scoping."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from gridgov.cases.models import Case, CaseAttachment, Category
from gridgov.cases.states import Source
from gridgov.core.errors import ValidationFailed
from gridgov.kernel.attachments.checks import DOCX, PDF
from gridgov.kernel.attachments.models import Kind
from gridgov.kernel.attachments.services import attachments_add
from gridgov.kernel.attachments.tests.test_attachments_checks import (
    docx_bytes,
    jpeg_with_exif,
    pdf_bytes,
)
from gridgov.kernel.attachments.views import safe_filename


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")


def _case(area: Any) -> Case:
    category = Category.objects.get_or_create(code="K02", defaults={"name": "测试"})[0]
    return Case.objects.create(
        number="2026910001",
        source=Source.PATROL,
        category=category,
        title="t",
        area=area,
        reported_at=timezone.now(),
    )


DOCX_DATA = docx_bytes()


@pytest.fixture
def stored(tree: Any) -> list[CaseAttachment]:
    case = _case(tree.grid1)
    return attachments_add(
        model=CaseAttachment,
        owner=case,
        files=[
            SimpleUploadedFile("人民调解协议书.docx", DOCX_DATA),
            SimpleUploadedFile('../../etc/申请"书.pdf', pdf_bytes()),
            SimpleUploadedFile("现场.jpg", jpeg_with_exif()),
        ],
        actor=None,
    )


def test_attachments_are_stored_for_the_owner(stored: list[CaseAttachment]) -> None:
    docx, pdf, photo = stored
    assert [a.kind for a in stored] == [Kind.DOCUMENT, Kind.DOCUMENT, Kind.PHOTO]
    assert (docx.content_type, pdf.content_type) == (DOCX, PDF)
    assert docx.file.name.startswith(f"cases/{docx.case_id}/") and docx.file.name.endswith(".docx")
    assert photo.file.name.endswith(".jpg") and photo.width == 64
    with docx.file.open("rb") as f:
        assert f.read() == DOCX_DATA
    assert docx.original_name == "人民调解协议书.docx"


def test_one_bad_file_stores_nothing(tree: Any) -> None:
    case = _case(tree.grid1)
    with pytest.raises(ValidationFailed):
        attachments_add(
            model=CaseAttachment,
            owner=case,
            files=[SimpleUploadedFile("a.pdf", pdf_bytes()), SimpleUploadedFile("b.pdf", b"MZ..")],
            actor=None,
        )
    assert not CaseAttachment.objects.filter(case=case).exists()


def _url(att: CaseAttachment) -> str:
    return reverse("attachments:download", args=["cases.caseattachment", att.pk])


def test_download_inside_the_jurisdiction(
    client: Any, make_user: Any, tree: Any, stored: list[CaseAttachment]
) -> None:
    docx, pdf, photo = stored
    client.force_login(make_user("worker", ("grid_worker", tree.grid1)))
    response = client.get(_url(docx))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == DOCX_DATA
    assert response["Content-Type"] == DOCX
    assert response["X-Content-Type-Options"] == "nosniff"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;") and ".docx" in disposition
    # The uploader's path and quote are gone from the name offered.
    disposition = client.get(_url(pdf))["Content-Disposition"]
    assert "/" not in disposition.split("filename", 1)[1].replace("utf-8''", "")
    assert disposition.count('"') in (0, 2)
    assert client.get(_url(photo))["Content-Disposition"].startswith("inline;")


def test_download_outside_the_jurisdiction_is_not_found(
    client: Any, make_user: Any, tree: Any, stored: list[CaseAttachment]
) -> None:
    client.force_login(make_user("other", ("grid_worker", tree.grid3)))
    for att in stored:
        assert client.get(_url(att)).status_code == 404


def test_download_needs_a_sign_in_and_a_real_attachment_model(
    client: Any, make_user: Any, tree: Any, stored: list[CaseAttachment]
) -> None:
    assert client.get(_url(stored[0])).status_code == 302  # to the sign-in page
    client.force_login(make_user("root", is_superuser=True))
    assert client.get(_url(stored[0])).status_code == 200
    for label in ("areas.area", "nosuch.model", "cases"):
        url = reverse("attachments:download", args=[label, stored[0].pk])
        assert client.get(url).status_code == 404
    assert (
        client.get(
            reverse("attachments:download", args=["cases.caseattachment", 999999])
        ).status_code
        == 404
    )


@pytest.mark.parametrize(
    ("name", "content_type", "expected"),
    [
        ("协议书.docx", DOCX, "协议书.docx"),
        ("../../etc/passwd", PDF, "passwd.pdf"),
        ('a"b;c\r\n.pdf', PDF, "a_b_c.pdf"),
        ("report.exe", PDF, "report.pdf"),  # the extension is what the content is
        ("", PDF, "case-1.pdf"),
    ],
)
def test_safe_filename(name: str, content_type: str, expected: str) -> None:
    assert safe_filename(name, content_type, "case-1") == expected
