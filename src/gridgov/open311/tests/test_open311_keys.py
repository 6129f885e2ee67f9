"""Open311 client keys: only a digest is stored, the key is shown once (command, admin), keys can
be switched off, and creating one needs the configuration permission."""

from __future__ import annotations

import hashlib
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from gridgov.conftest import TEST_PASSWORD
from gridgov.core.errors import Conflict, PermissionDenied
from gridgov.open311.models import Open311Client
from gridgov.open311.services import client_authenticate, client_create, client_deactivate


@pytest.mark.django_db
def test_only_a_digest_of_the_key_is_stored() -> None:
    client, raw = client_create(actor=None, name="市民通")
    row = Open311Client.objects.filter(pk=client.pk).values().get()
    assert raw.startswith("o311_")
    assert raw not in str(row)
    assert row["digest"] == hashlib.sha256(raw.encode()).hexdigest()
    assert row["prefix"] == raw[:12]


@pytest.mark.django_db
def test_the_key_authenticates_its_client() -> None:
    client, raw = client_create(actor=None, name="市民通")
    assert client_authenticate(raw).pk == client.pk
    assert Open311Client.objects.get(pk=client.pk).last_used_at is not None


@pytest.mark.django_db
def test_a_wrong_key_is_refused() -> None:
    client_create(actor=None, name="市民通")
    with pytest.raises(PermissionDenied):
        client_authenticate("o311_forged")


@pytest.mark.django_db
def test_a_deactivated_key_is_refused() -> None:
    client, raw = client_create(actor=None, name="市民通")
    client_deactivate(actor=None, client=client)
    with pytest.raises(PermissionDenied):
        client_authenticate(raw)


@pytest.mark.django_db
def test_deactivating_twice_is_a_conflict() -> None:
    client, _raw = client_create(actor=None, name="市民通")
    client_deactivate(actor=None, client=client)
    with pytest.raises(Conflict):
        client_deactivate(actor=None, client=client)


def test_creating_a_key_needs_the_config_permission(tree, make_user) -> None:
    worker = make_user("worker", ("grid_worker", tree.grid1))
    with pytest.raises(PermissionDenied):
        client_create(actor=worker, name="x", area=tree.grid1)
    assert not Open311Client.objects.exists()


def test_an_area_admin_may_create_a_key_for_their_area_only(tree, make_user) -> None:
    admin = make_user("admin", ("admin", tree.street))
    client, _raw = client_create(actor=admin, name="街道 App", area=tree.street)
    assert client.created_by == admin
    with pytest.raises(PermissionDenied):
        client_create(actor=admin, name="全区 App")  # unrestricted: superusers only
    assert Open311Client.objects.count() == 1


@pytest.mark.django_db
def test_command_creates_a_key_and_prints_it_once() -> None:
    out = StringIO()
    call_command("open311_key", "create", "--name", "市民通", stdout=out, stderr=StringIO())
    raw = out.getvalue().strip()
    client = client_authenticate(raw)
    assert client.name == "市民通"
    listing = StringIO()
    call_command("open311_key", "list", stdout=listing)
    assert client.prefix in listing.getvalue()
    assert raw not in listing.getvalue()


def test_command_restricts_a_key_to_an_area(tree) -> None:
    out = StringIO()
    call_command(
        "open311_key",
        "create",
        "--name",
        "x",
        "--area",
        tree.street.code,
        stdout=out,
        stderr=StringIO(),
    )
    assert client_authenticate(out.getvalue().strip()).area == tree.street


@pytest.mark.django_db
def test_command_refuses_an_unknown_area() -> None:
    with pytest.raises(CommandError):
        call_command("open311_key", "create", "--name", "x", "--area", "999999", stdout=StringIO())
    assert not Open311Client.objects.exists()


@pytest.mark.django_db
def test_command_deactivates_by_prefix() -> None:
    client, raw = client_create(actor=None, name="市民通")
    call_command("open311_key", "deactivate", client.prefix, stdout=StringIO())
    with pytest.raises(PermissionDenied):
        client_authenticate(raw)


def test_admin_creates_through_the_service_and_shows_the_key_once(tree, make_user) -> None:
    make_user("root", is_superuser=True, is_staff=True)
    browser = Client()
    assert browser.login(username="root", password=TEST_PASSWORD)
    response = browser.post(
        "/admin/open311/open311client/add/", {"name": "市民通", "area": ""}, follow=True
    )
    assert response.status_code == 200
    client = Open311Client.objects.get()
    page = response.content.decode()
    shown = [m.message for m in response.context["messages"]]
    assert any(client.prefix in m for m in shown)
    assert client.digest not in page
    changelist = browser.get("/admin/open311/open311client/").content.decode()
    assert client.prefix in changelist
    key = next(m for m in shown if client.prefix in m)
    raw = next(w for w in key.replace("—", " ").split() if w.startswith("o311_"))
    assert raw not in changelist
