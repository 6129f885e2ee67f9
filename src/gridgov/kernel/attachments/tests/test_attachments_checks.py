"""Uploads checked by content (:mod:`gridgov.kernel.attachments.checks`): each document type
accepted, disguised files refused with a clear (Chinese) message, photo metadata stripped,
oversized files refused."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from openpyxl import Workbook
from PIL import Image

from gridgov.core.errors import ValidationFailed
from gridgov.kernel.attachments.checks import DOCX, JPEG, PDF, XLSX, check_upload
from gridgov.kernel.attachments.models import Kind

_TYPES_DOCX = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'
)


def pdf_bytes() -> bytes:
    return (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    )


def docx_bytes(*, extra: dict[str, bytes] | None = None, types: str = _TYPES_DOCX) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", types)
        z.writestr("word/document.xml", "<w:document>人民调解协议书</w:document>")
        for name, data in (extra or {}).items():
            z.writestr(name, data)
    return buf.getvalue()


def xlsx_bytes() -> bytes:
    wb = Workbook()
    wb.active.append(["矛盾纠纷台账", 1])  # type: ignore[union-attr]
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def jpeg_with_exif() -> bytes:
    img = Image.new("RGB", (64, 48), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0131] = "secret-camera-software"  # Software
    buf = io.BytesIO()
    img.save(buf, format="JPEG", exif=exif.tobytes(), comment=b"GPS 38.5N 106.2E")
    return buf.getvalue()


def upload(data: bytes, name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data)


@pytest.fixture(autouse=True)
def chinese() -> Iterator[None]:
    with translation.override("zh-hans"):
        yield


@pytest.mark.parametrize(
    ("make", "name", "content_type"),
    [
        (pdf_bytes, "调解申请书.pdf", PDF),
        (docx_bytes, "协议书.docx", DOCX),
        (xlsx_bytes, "台账.xlsx", XLSX),
    ],
)
def test_each_document_type_is_accepted_as_it_is(make: Any, name: str, content_type: str) -> None:
    data = make()
    checked = check_upload(upload(data, name))
    assert (checked.kind, checked.content_type, checked.name) == (Kind.DOCUMENT, content_type, name)
    assert checked.content == data and checked.size == len(data)


def test_a_document_without_a_name_is_judged_by_content_alone() -> None:
    assert check_upload(pdf_bytes()).content_type == PDF


def refusal(data: bytes, name: str, **kwargs: Any) -> ValidationFailed:
    with pytest.raises(ValidationFailed) as exc:
        check_upload(upload(data, name), **kwargs)
    err = exc.value
    assert err.code == "bad_file" and "files" in err.fields
    assert any("\u4e00" <= ch <= "\u9fff" for ch in err.message), err.message  # said in Chinese
    assert name in err.message
    return err


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (pdf_bytes(), "协议书.docx"),  # a real PDF under a Word name
        (docx_bytes(), "申请书.pdf"),  # a real DOCX under a PDF name
        (b"%PDF-1.4\nnot really\n", "x.pdf"),  # no trailer: truncated or fake
        (b"%PDFX garbage %%EOF", "x.pdf"),  # no version after the header
        (b"hello, plain text\n" * 20, "x.pdf"),
        (docx_bytes(types="<Types/>"), "x.docx"),  # declares no Word main part
        (docx_bytes(extra={"word/vbaProject.bin": b"macro"}), "x.docx"),  # macros
        (b"PK\x03\x04 broken zip", "x.xlsx"),
    ],
)
def test_disguised_or_broken_documents_are_refused(data: bytes, name: str) -> None:
    refusal(data, name)


def test_a_zip_without_content_types_is_not_an_office_file() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("word/document.xml", "<x/>")
    refusal(buf.getvalue(), "x.docx")


def test_a_zip_bomb_is_refused() -> None:
    refusal(docx_bytes(extra={"big.xml": b"0" * 5_000_000}), "x.docx")


@pytest.mark.parametrize(
    "data",
    [b"MZ\x90\x00" + b"\0" * 200, b"\x7fELF\x02\x01" + b"\0" * 200, b"#!/bin/sh\nrm -rf /\n"],
)
def test_programs_renamed_as_documents_or_photos_are_refused(data: bytes) -> None:
    for name in ("报告.pdf", "photo.jpg"):
        err = refusal(data, name)
        assert "程序" in err.message


def test_old_binary_office_files_are_refused_with_advice() -> None:
    err = refusal(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 500, "旧表.xls")
    assert "XLSX" in err.message


def test_an_image_renamed_as_a_document_is_refused() -> None:
    refusal(jpeg_with_exif(), "scan.pdf")


def test_documents_are_refused_where_only_photos_are_taken() -> None:
    refusal(pdf_bytes(), "x.pdf", kinds=(Kind.PHOTO,))


def test_photos_are_re_encoded_without_metadata() -> None:
    data = jpeg_with_exif()
    assert b"secret-camera-software" in data and b"GPS 38.5N" in data
    checked = check_upload(upload(data, "现场.jpg"))
    assert (checked.kind, checked.content_type) == (Kind.PHOTO, JPEG)
    assert b"secret-camera-software" not in checked.content
    assert b"GPS 38.5N" not in checked.content
    img = Image.open(io.BytesIO(checked.content))
    assert not img.getexif() and "comment" not in img.info and "exif" not in img.info
    assert (checked.width, checked.height) == (64, 48)


def test_oversized_documents_and_photos_are_refused(settings: Any) -> None:
    settings.GRIDGOV_DOCUMENT_MAX_BYTES = 100
    err = refusal(xlsx_bytes(), "台账.xlsx")
    assert "MB" in err.message
    settings.GRIDGOV_PHOTO_MAX_BYTES = 100
    refusal(jpeg_with_exif(), "现场.jpg")
    settings.GRIDGOV_DOCUMENT_MAX_BYTES = 10_000_000
    assert check_upload(upload(pdf_bytes(), "x.pdf")).content_type == PDF
