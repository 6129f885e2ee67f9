"""The back office: registrations, read-only audit log, and changes through the services."""

from __future__ import annotations

import pytest
from django.urls import reverse

from gridgov.accounts.models import RoleGrant
from gridgov.areas.models import Area
from gridgov.audit.models import AuditEntry, Event


@pytest.fixture
def root(tree, make_user):
    return make_user("root", is_superuser=True, is_staff=True)


@pytest.mark.parametrize(
    "name",
    [
        "areas_area",
        "accounts_user",
        "accounts_department",
        "accounts_rolegrant",
        "accounts_apitoken",
        "audit_auditentry",
    ],
)
def test_changelists_open(client, root, name):
    client.force_login(root)
    assert client.get(reverse(f"admin:{name}_changelist")).status_code == 200


def test_audit_log_cannot_be_added_changed_or_deleted(client, root):
    client.force_login(root)
    entry = AuditEntry.objects.first()
    assert entry is not None
    assert client.get(reverse("admin:audit_auditentry_add")).status_code == 403
    change = client.get(reverse("admin:audit_auditentry_change", args=[entry.pk]))
    assert change.status_code == 200
    assert 'name="event"' not in change.content.decode()  # shown read-only
    delete = client.post(reverse("admin:audit_auditentry_delete", args=[entry.pk]), {"post": "yes"})
    assert delete.status_code == 403
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_area_path_is_not_editable(client, root, tree):
    client.force_login(root)
    html = client.get(reverse("admin:areas_area_change", args=[tree.grid1.pk])).content.decode()
    assert 'name="path"' not in html
    assert 'name="code"' not in html
    assert tree.grid1.path in html  # but shown


def test_area_added_in_admin_goes_through_the_service(client, root, tree):
    client.force_login(root)
    response = client.post(
        reverse("admin:areas_area_add"),
        {
            "code": "640110001001003",
            "name": "网格三",
            "level": 6,
            "parent": tree.community.pk,
            "geometry": "null",
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    area = Area.objects.get(code="640110001001003")
    assert area.path == f"{tree.community.path}{area.pk}/"
    assert AuditEntry.objects.filter(event=Event.AREA_CREATED, target_id=str(area.pk)).exists()


def test_area_with_a_bad_code_is_refused_in_admin(client, root, tree):
    client.force_login(root)
    before = Area.objects.count()
    response = client.post(
        reverse("admin:areas_area_add"),
        {"code": "99", "name": "坏", "level": 6, "parent": tree.community.pk, "geometry": "null"},
    )
    assert response.status_code == 200
    assert "errorlist" in response.content.decode()
    assert Area.objects.count() == before


def test_areas_cannot_be_deleted_in_admin(client, root, tree):
    client.force_login(root)
    response = client.post(
        reverse("admin:areas_area_delete", args=[tree.grid2.pk]), {"post": "yes"}
    )
    assert response.status_code == 403
    assert Area.objects.filter(pk=tree.grid2.pk).exists()


def test_grant_deleted_in_admin_is_revoked_through_the_service(client, root, tree, make_user):
    user = make_user("li", ("grid_worker", tree.grid2))
    grant = RoleGrant.objects.get(user=user)
    client.force_login(root)
    response = client.post(
        reverse("admin:accounts_rolegrant_delete", args=[grant.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert not RoleGrant.objects.filter(pk=grant.pk).exists()
    assert AuditEntry.objects.filter(event=Event.ROLE_REVOKED, target_id=str(user.pk)).exists()


def test_admin_password_change_points_to_the_web_page(client, root, make_user):
    user = make_user("sun")
    client.force_login(root)
    response = client.get(reverse("admin:auth_user_password_change", args=[user.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:user_detail", args=[user.pk])


def test_user_added_in_admin_goes_through_the_service(client, root):
    from gridgov.accounts.models import User

    client.force_login(root)
    response = client.post(
        reverse("admin:accounts_user_add"),
        {
            "username": "qian",
            "display_name": "钱",
            "mobile": "13600001111",
            "password1": "Fengcheng#2026",
            "password2": "Fengcheng#2026",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    user = User.objects.get(username="qian")
    assert user.check_password("Fengcheng#2026")
    assert user.password_changed_at is not None  # set by user_create
    assert AuditEntry.objects.filter(event=Event.USER_CREATED, target_id=str(user.pk)).exists()


def test_user_changed_in_admin_goes_through_the_service(client, root, make_user):
    user = make_user("sun", display_name="孙")
    client.force_login(root)
    url = reverse("admin:accounts_user_change", args=[user.pk])
    response = client.post(
        url,
        {
            "username": "sun",
            "display_name": "孙二",
            "mobile": "",
            "email": "",
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    user.refresh_from_db()
    assert user.display_name == "孙二"
    entry = AuditEntry.objects.get(event=Event.USER_CHANGED, target_id=str(user.pk))
    assert entry.detail == {"fields": ["display_name"]}


def test_superuser_flag_is_read_only_in_admin(client, root, make_user):
    user = make_user("sun")
    client.force_login(root)
    client.post(
        reverse("admin:accounts_user_change", args=[user.pk]),
        {"username": "sun", "is_active": "on", "is_superuser": "on", "is_staff": "on"},
    )
    user.refresh_from_db()
    assert not user.is_superuser and not user.is_staff


def test_department_added_in_admin_goes_through_the_service(client, root, tree):
    from gridgov.accounts.models import Department

    client.force_login(root)
    response = client.post(
        reverse("admin:accounts_department_add"),
        {"name": "凤城区城管", "kind": "urban_management", "area": tree.county.pk},
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    dept = Department.objects.get(name="凤城区城管")
    assert AuditEntry.objects.filter(
        event=Event.DEPARTMENT_CHANGED, target_id=str(dept.pk)
    ).exists()


def test_service_refusal_in_admin_is_a_message_not_a_server_error(client, root, tree):
    client.force_login(root)
    response = client.post(
        reverse("admin:areas_area_add"),
        {  # the code passes the form's check, but a grid cannot hang under a town
            "code": "640110001001009",
            "name": "错层",
            "level": 6,
            "parent": tree.street.pk,
            "geometry": "null",
        },
        follow=True,
    )
    assert response.status_code == 200
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    assert not Area.objects.filter(code="640110001001009").exists()
