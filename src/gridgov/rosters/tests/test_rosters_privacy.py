"""Unmasking personal data: permission, reason, audit entry; export records."""

from __future__ import annotations

from typing import Any

import pytest

from gridgov.audit.models import AuditEntry
from gridgov.core.errors import PermissionDenied, ValidationFailed
from gridgov.rosters import privacy
from gridgov.rosters.models import TagType
from gridgov.rosters.tests.builders import make_household, make_resident, make_tag, valid_id

pytestmark = pytest.mark.django_db


@pytest.fixture
def number() -> str:
    return valid_id()


@pytest.fixture
def person(tree: Any, number: str) -> Any:
    return make_resident(
        make_household(tree.grid1), name="王芳", id_number=number, phone="13812345678"
    )


def test_display_name_masks_sensitive(person: Any) -> None:
    assert privacy.display_name(person) == "王芳"
    make_tag(person, TagType.objects.get(code="dibao"))
    assert privacy.display_name(person) == "王*"


def test_unmask_returns_clear_values_and_audits(
    tree: Any, make_user: Any, person: Any, number: str
) -> None:
    staff = make_user("cs", ("community_staff", tree.community))
    values = privacy.unmask(actor=staff, obj=person, reason="核实低保申请")
    assert values == {"name": "王芳", "id_number": number, "phone": "13812345678"}
    entry = AuditEntry.objects.get(event="personal_data_viewed")
    assert (entry.actor_id, entry.target_type, entry.target_id) == (
        staff.pk,
        "rosters.resident",
        str(person.pk),
    )
    assert entry.detail == {"fields": ["name", "id_number", "phone"], "reason": "核实低保申请"}
    assert number not in str(entry.detail) and "13812345678" not in entry.target_repr


def test_unmask_some_fields(tree: Any, make_user: Any, person: Any) -> None:
    leader = make_user("ld", ("leader", tree.county))
    assert privacy.unmask(actor=leader, obj=person, reason="走访", fields=["phone"]) == {
        "phone": "13812345678"
    }


def test_unmask_needs_reason(tree: Any, make_user: Any, person: Any) -> None:
    staff = make_user("cs", ("community_staff", tree.community))
    with pytest.raises(ValidationFailed) as exc:
        privacy.unmask(actor=staff, obj=person, reason="   ")
    assert "reason" in exc.value.fields
    assert not AuditEntry.objects.filter(event="personal_data_viewed").exists()


def test_unmask_needs_permission(tree: Any, make_user: Any, person: Any) -> None:
    worker = make_user("gw", ("grid_worker", tree.grid1))
    with pytest.raises(PermissionDenied):
        privacy.unmask(actor=worker, obj=person, reason="看看")
    assert not AuditEntry.objects.filter(event="personal_data_viewed").exists()
    assert AuditEntry.objects.filter(event="permission_denied", actor=worker).exists()


def test_unmask_outside_area_refused(tree: Any, make_user: Any, person: Any) -> None:
    other = make_user("cs2", ("community_staff", tree.village))
    with pytest.raises(PermissionDenied):
        privacy.unmask(actor=other, obj=person, reason="x")


def test_can_see_sensitive_by_role(tree: Any, make_user: Any) -> None:
    worker = make_user("gw", ("grid_worker", tree.grid1))
    chief = make_user("bc", ("building_chief", tree.grid1))
    assert privacy.can_see_sensitive(worker, tree.grid1.path)
    assert not privacy.can_see_sensitive(worker, tree.grid2.path)
    assert not privacy.can_see_sensitive(chief, tree.grid1.path)


def test_record_export_masked(tree: Any, make_user: Any) -> None:
    worker = make_user("gw", ("grid_worker", tree.grid1))
    privacy.record_export(
        actor=worker,
        kind="residents",
        count=12,
        unmasked=False,
        reason="",
        filters={"q": "13812345678", "status": "living"},
        area_path=tree.grid1.path,
    )
    entry = AuditEntry.objects.get(event="personal_data_exported")
    assert entry.detail["filters"] == {"q": "***", "status": "living"}
    assert entry.detail["count"] == 12 and entry.detail["unmasked"] is False


def test_record_export_unmasked_needs_unmask(tree: Any, make_user: Any) -> None:
    worker = make_user("gw", ("grid_worker", tree.grid1))
    with pytest.raises(PermissionDenied):
        privacy.record_export(
            actor=worker,
            kind="residents",
            count=1,
            unmasked=True,
            reason="x",
            filters={},
            area_path=tree.grid1.path,
        )
    assert not AuditEntry.objects.filter(event="personal_data_exported").exists()


def test_record_export_unmasked_needs_reason(tree: Any, make_user: Any) -> None:
    leader = make_user("ld", ("leader", tree.county))
    with pytest.raises(ValidationFailed):
        privacy.record_export(
            actor=leader, kind="residents", count=1, unmasked=True, reason="", filters={}
        )
    assert not AuditEntry.objects.filter(event="personal_data_exported").exists()
