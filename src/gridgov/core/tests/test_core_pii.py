"""The one free-text masker and the single-value masks (gridgov.core.pii)."""

from __future__ import annotations

import pytest

from gridgov.core import crypto, pii

VALID_ID = "11010519491231002X"  # a valid GB 11643 number (check digit X)


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        ("电话13812345678请回电", "电话138****5678请回电"),
        ("+86 138-1234-5678", "+86 138****5678"),
        ("身份证号11010519491231002X。", "身份证号1***************2X。"),
        ("身份证 64010219900307123X", "身份证 6***************3X"),  # wrong check digit
        ("座机0951-5012345", "座机0951-***2345"),
        ("（0951）5012345转12", "（0951）***2345转12"),
        ("call 095155012345", "call 0951****2345"),
        ("邮箱 wang@example.com", "邮箱 w***@example.com"),
    ],
)
def test_typed_in_numbers_are_masked(typed: str, shown: str) -> None:
    assert pii.mask_text(typed) == shown


@pytest.mark.parametrize(
    "text",
    [
        "案件编号 20261207000123",
        "单号 123456789012345678",  # 18 digits, no birth date in place
        "2026-12-07 10:30 共 3 件，编号 0951501234",
        "三号楼东侧垃圾桶满溢",
        "",
    ],
)
def test_other_text_is_left_as_typed(text: str) -> None:
    assert pii.mask_text(text) == text
    assert not pii.has_personal_data(text)


def test_one_mobile_mask_for_every_caller() -> None:
    from gridgov.accounts import validators
    from gridgov.core.templatetags import gridgov_ui

    assert crypto.mask_mobile is pii.mask_mobile
    assert not hasattr(validators, "mask_mobile")
    assert gridgov_ui.mask_mobile("13812345678") == "138****5678"
    assert pii.mask_mobile("13812345678") == "138****5678"
    assert pii.mask_mobile("123") == "***"
    assert pii.mask_id_number(VALID_ID) == "1***************2X"


@pytest.mark.parametrize(
    "phone, shown",
    [
        ("13812345678", "138****5678"),
        ("+86 138 1234 5678", "+86 138****5678"),
        ("8613812345678", "86138****5678"),
        ("0951-5012345", "0951-***2345"),
        ("09515012345", "0951***2345"),
        ("(0951)5012345", "(0951)***2345"),
        ("12345", "*2345"),
    ],
)
def test_a_phone_number_is_masked_alone_as_inside_text(phone: str, shown: str) -> None:
    """One rule: a number on its own is masked as the free-text masker masks it in a sentence."""
    assert pii.mask_mobile(phone) == shown
    if phone != "12345":
        assert pii.mask_text(f"电话 {phone} 联系") == f"电话 {shown} 联系"
    assert pii.mask_id_number(VALID_ID) == "1***************2X"


def test_masker_is_decided_once() -> None:
    assert pii.masker()("13812345678") == "138****5678"
    assert pii.masker(reveal=True)("13812345678") == "13812345678"


def test_an_unmask_needs_a_reason() -> None:
    from gridgov.core.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as exc:
        pii.clean_reason("   ")
    assert exc.value.code == "reason_required" and "reason" in exc.value.fields
    assert pii.clean_reason(" 回访  核实 ") == "回访 核实"
