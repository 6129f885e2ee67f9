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


# --- A model's declared personal fields (what mediation parties will reuse) ---------------------


class _Party:
    """A row declaring its personal fields, as a model does."""

    PERSONAL_DATA = (
        pii.Personal("name", pii.Kind.NAME, encrypted=False),
        pii.Personal("phone", pii.Kind.PHONE),
    )

    def __init__(self, area_path: str) -> None:
        self.name = "马建才"
        self.area_path = area_path
        self.pk = None
        for column, value in pii.protect("13912345678", pii.Kind.PHONE).items():
            setattr(self, column, value)


def test_protect_gives_the_three_stored_columns() -> None:
    stored = pii.protect("13912345678", pii.Kind.PHONE)
    assert set(stored) == {"phone_enc", "phone_hash", "phone_masked"}
    assert crypto.decrypt(stored["phone_enc"]) == "13912345678"
    assert stored["phone_hash"] == crypto.keyed_hash("13912345678")
    assert stored["phone_masked"] == "139****5678"
    assert set(pii.protect(VALID_ID, pii.Kind.ID_NUMBER, name="id")) == {
        "id_enc",
        "id_hash",
        "id_masked",
    }


def test_declared_fields_show_masked_and_clear() -> None:
    row = _Party("/1/")
    fields = pii.personal_fields(row)
    assert list(fields) == ["name", "phone"]
    assert fields["phone"].masked_value(row) == "139****5678"
    assert fields["phone"].clear_value(row) == "13912345678"
    assert fields["name"].masked_value(row) == "马**"
    row.phone_enc = "not a token"
    assert fields["phone"].clear_value(row) == ""  # never an exception on a page


@pytest.mark.django_db
def test_unmask_reveals_declared_fields_with_a_reason_and_audits(tree, make_user) -> None:
    from gridgov.audit.models import AuditEntry, Event
    from gridgov.core.errors import Code, PermissionDenied, ValidationFailed
    from gridgov.party.models import DualReport  # declares name and phone, like _Party

    def row_at(path: str) -> DualReport:
        return DualReport(
            name="马建才", area_path=path, **pii.protect("13912345678", pii.Kind.PHONE)
        )

    staff = make_user("cs", ("community_staff", tree.community))
    row = row_at(tree.grid1.path)
    with pytest.raises(ValidationFailed) as exc:
        pii.unmask(actor=staff, obj=row, reason="核实", fields=("id_number",))
    assert exc.value.code == Code.UNKNOWN_FIELD
    with pytest.raises(ValidationFailed):
        pii.unmask(actor=staff, obj=row, reason=" ")
    assert not AuditEntry.objects.filter(event=Event.PERSONAL_DATA_VIEWED).exists()

    assert pii.unmask(actor=staff, obj=row, reason="回访 核实") == {
        "name": "马建才",
        "phone": "13912345678",
    }
    entry = AuditEntry.objects.get(event=Event.PERSONAL_DATA_VIEWED)
    assert entry.detail == {"fields": ["name", "phone"], "reason": "回访 核实"}
    assert "13912345678" not in str(entry.detail)

    outside = row_at(tree.grid3.path)
    with pytest.raises(PermissionDenied):
        pii.unmask(actor=staff, obj=outside, reason="核实")
    denied = AuditEntry.objects.get(event=Event.PERMISSION_DENIED)
    assert denied.detail == {"perm": "roster.unmask", "what": "unmask"}
