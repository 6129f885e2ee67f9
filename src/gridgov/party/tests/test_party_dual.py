"""双报到: registration with a community, one open registration per community and phone."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from gridgov.core.errors import PermissionDenied, ValidationFailed
from gridgov.party import services
from gridgov.party.models import DualReport
from gridgov.party.tests.conftest import api


def _register(actor, community, phone="13712345678", **kw):
    return services.dual_report_create(
        actor=actor,
        community=community,
        name=kw.pop("name", "赵敏"),
        phone=phone,
        work_unit="区人民医院",
        work_org="区人民医院党委",
        services="义诊",
        registered_on=timezone.localdate() - timedelta(days=5),
        **kw,
    )


def test_registration_is_stored_masked(tree, staff):
    report = _register(staff, tree.community)
    assert report.phone_masked == "137****5678" and report.area_path == tree.community.path


def test_duplicate_open_registration_is_refused(tree, staff):
    _register(staff, tree.community)
    with pytest.raises(ValidationFailed) as exc:
        _register(staff, tree.community, phone="137 1234 5678", name="别人")
    assert exc.value.code == "duplicate_registration" and "phone" in exc.value.fields
    assert DualReport.objects.count() == 1


def test_after_ending_the_same_phone_may_register_again(tree, staff):
    report = _register(staff, tree.community)
    services.dual_report_end(actor=staff, report=report, on=timezone.localdate())
    assert _register(staff, tree.community).pk != report.pk


def test_community_must_be_a_community(tree, staff):
    with pytest.raises(ValidationFailed) as exc:
        _register(staff, tree.grid1)
    assert "community" in exc.value.fields


def test_other_community_staff_cannot_register_here(tree, other_staff):
    with pytest.raises(PermissionDenied):
        _register(other_staff, tree.community)
    assert not DualReport.objects.exists()


def test_list_page_is_masked_and_scoped(client, tree, staff, other_staff):
    _register(staff, tree.community)
    client.force_login(staff)
    html = client.get(reverse("party:dual_list")).content.decode()
    assert "赵敏" in html and "137****5678" in html and "13712345678" not in html
    client.force_login(other_staff)
    assert "赵敏" not in client.get(reverse("party:dual_list")).content.decode()


def test_create_page_refuses_a_duplicate_with_a_field_error(client, tree, staff):
    _register(staff, tree.community)
    client.force_login(staff)
    response = client.post(
        reverse("party:dual_create"),
        {
            "community": tree.community.pk,
            "name": "赵敏",
            "phone": "13712345678",
            "work_unit": "区人民医院",
            "registered_on": timezone.localdate().isoformat(),
        },
    )
    assert response.status_code == 400 and response.context["form"].errors["phone"]
    assert DualReport.objects.count() == 1


def test_api_dual_report(client, tree, staff, other_staff):
    body = {
        "community_id": tree.community.pk,
        "name": "钱进",
        "phone": "13612345678",
        "work_unit": "区教育局",
        "registered_on": timezone.localdate().isoformat(),
    }
    created = api(client, "post", "/api/v1/party/dual-reports", staff, body)
    assert created.status_code == 201 and "13612345678" not in created.content.decode()
    assert api(client, "post", "/api/v1/party/dual-reports", staff, body).status_code == 400
    assert api(client, "get", "/api/v1/party/dual-reports", other_staff).json()["count"] == 0


def test_api_unmask_phone_is_audited(client, tree, staff):
    from gridgov.audit.models import AuditEntry, Event

    report = _register(staff, tree.community)
    url = f"/api/v1/party/dual-reports/{report.pk}/unmask"
    assert api(client, "post", url, staff, {"reason": ""}).status_code == 400
    assert api(client, "post", url, staff, {"reason": "联系服务"}).json()["phone"] == "13712345678"
    assert AuditEntry.objects.filter(event=Event.PERSONAL_DATA_VIEWED).count() == 1
