"""The audit log page: who may read what, filters, pagination."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from gridgov.audit.models import AuditEntry, Event
from gridgov.audit.selectors import audit_list
from gridgov.audit.services import audit_record

URL = "audit:list"


@pytest.fixture
def admin(tree, make_user):
    """Administrator of the street 凤鸣街道; 金沙镇 lies outside."""
    return make_user("zhou", ("admin", tree.street))


@pytest.fixture
def worker(tree, make_user):
    return make_user("wang", ("grid_worker", tree.grid1))


@pytest.fixture
def outsider(tree, make_user):
    return make_user("zhao", ("grid_worker", tree.grid3))


def entries(response):
    return list(response.context["page_obj"])


def test_page_needs_audit_view(client, worker):
    client.force_login(worker)
    assert client.get(reverse(URL)).status_code == 403


def test_anonymous_is_sent_to_login(client, db):
    assert client.get(reverse(URL)).status_code == 302


def test_scope_area_entries_inside_only(admin, tree):
    seen = {e.target_id for e in audit_list(actor=admin, event=Event.AREA_CREATED)}
    assert str(tree.grid1.pk) in seen
    assert str(tree.street.pk) in seen
    assert str(tree.grid3.pk) not in seen
    assert str(tree.county.pk) not in seen


def test_scope_entries_about_users_inside_only(admin, worker, outsider):
    audit_record(event=Event.LOGIN_OK, actor=worker, target=worker)
    audit_record(event=Event.LOGIN_OK, actor=outsider, target=outsider)
    audit_record(event=Event.LOGIN_FAILED, actor_name="ghost", detail={"reason": "unknown_user"})
    names = {e.actor_name for e in audit_list(actor=admin, event=Event.LOGIN_OK)}
    assert names == {"wang"}
    assert not audit_list(actor=admin, event=Event.LOGIN_FAILED).exists()


def test_superuser_reads_everything(make_user, tree, outsider):
    root = make_user("root", is_superuser=True)
    audit_record(event=Event.LOGIN_FAILED, actor_name="ghost")
    assert audit_list(actor=root).count() == AuditEntry.objects.count()


def test_page_lists_scoped_entries(client, admin, worker, outsider):
    audit_record(event=Event.LOGIN_OK, actor=worker, target=worker)
    audit_record(event=Event.LOGIN_OK, actor=outsider, target=outsider)
    client.force_login(admin)
    response = client.get(reverse(URL), {"event": Event.LOGIN_OK})
    assert response.status_code == 200
    assert [e.actor_name for e in entries(response)] == ["wang"]


def test_filter_by_actor_name(client, admin, worker):
    audit_record(event=Event.LOGIN_OK, actor=worker, target=worker)
    audit_record(event=Event.LOGIN_OK, actor=admin, target=admin)
    client.force_login(admin)
    response = client.get(reverse(URL), {"actor_name": "WAN"})
    assert entries(response)
    assert {e.actor_name for e in entries(response)} == {"wang"}


def test_filter_by_ip(client, admin, worker):
    audit_record(event=Event.LOGIN_OK, actor=worker, target=worker, ip="10.1.2.3")
    audit_record(event=Event.LOGIN_OK, actor=worker, target=worker, ip="10.9.9.9")
    client.force_login(admin)
    response = client.get(reverse(URL), {"ip": "10.1.2.3"})
    assert [e.ip for e in entries(response)] == ["10.1.2.3"]


def test_filter_by_date_range(client, admin, worker):
    audit_record(event=Event.LOGIN_OK, actor=worker, target=worker)
    today = timezone.localdate()
    client.force_login(admin)
    same_day = client.get(reverse(URL), {"date_from": today, "date_to": today})
    assert entries(same_day)
    future = client.get(reverse(URL), {"date_from": today + timedelta(days=1)})
    assert entries(future) == []
    past = client.get(reverse(URL), {"date_to": today - timedelta(days=1)})
    assert entries(past) == []


def test_reversed_date_range_shows_an_error_and_ignores_that_end(client, admin):
    today = timezone.localdate()
    client.force_login(admin)
    response = client.get(reverse(URL), {"date_from": today, "date_to": today - timedelta(days=3)})
    assert response.status_code == 200
    assert 'id="id_date_to_errors"' in response.content.decode()
    assert entries(response)


def test_invalid_ip_filter_is_reported(client, admin):
    client.force_login(admin)
    response = client.get(reverse(URL), {"ip": "not-an-ip"})
    assert 'id="id_ip_errors"' in response.content.decode()


def test_pages_of_fifty(client, admin, worker):
    for _ in range(60):
        audit_record(event=Event.USER_CHANGED, actor=admin, target=worker)
    client.force_login(admin)
    first = client.get(reverse(URL), {"event": Event.USER_CHANGED})
    assert len(entries(first)) == 50
    second = client.get(reverse(URL), {"event": Event.USER_CHANGED, "page": 2})
    assert len(entries(second)) == 10
    assert "event=user_changed" in first.content.decode()  # next link keeps the filter


def test_area_names_are_shown(client, admin, tree):
    client.force_login(admin)
    html = client.get(reverse(URL), {"event": Event.AREA_CREATED}).content.decode()
    assert tree.community.name in html
