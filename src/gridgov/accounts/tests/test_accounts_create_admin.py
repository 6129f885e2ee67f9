"""The first administrator without a terminal: ``gridgov create-admin`` and ``gridgov
createsuperuser --noinput`` make a superuser with the administrator role at the top area,
through the accounts services (password rules, audit)."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from gridgov.accounts.bootstrap import admin_create, top_area
from gridgov.accounts.models import RoleGrant, User
from gridgov.accounts.roles import Role
from gridgov.areas.tests.test_areas_import_divisions import DATA, write_csv
from gridgov.audit.models import AuditEntry, Event

PASSWORD = "Set-up-2026!x"
SOURCE = Path(__file__).resolve().parents[3]


@pytest.mark.django_db
def test_the_admin_gets_the_role_at_the_top_of_the_tree_and_signs_in(tree):
    """The shared tree has one root (the province) whose single child is the city, whose single
    child is the county — where the office's administrator belongs."""
    assert top_area() == tree.county
    created = admin_create(username="chief_admin", password=PASSWORD)
    user = created.user
    assert user.is_superuser and user.is_staff and user.password_changed_at is not None
    grants = list(RoleGrant.objects.filter(user=user).values_list("role", "area__code"))
    assert grants == [(Role.ADMIN, tree.county.code)]
    assert AuditEntry.objects.filter(event=Event.USER_CREATED, target_id=str(user.pk)).exists()
    client = Client()
    assert client.login(username="chief_admin", password=PASSWORD)
    assert client.get("/admin/").status_code == 200
    assert client.get("/accounts/users/").status_code == 200


@pytest.mark.django_db
def test_a_weak_password_is_refused_and_nothing_is_created(tree, monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "123456")
    with pytest.raises(CommandError):
        call_command("createsuperuser", "--noinput", "--username", "weak")
    assert not User.objects.filter(username="weak").exists()


@pytest.mark.django_db
def test_noinput_without_a_password_fails_clearly(tree, monkeypatch):
    monkeypatch.delenv("DJANGO_SUPERUSER_PASSWORD", raising=False)
    with pytest.raises(CommandError, match="DJANGO_SUPERUSER_PASSWORD"):
        call_command("create_admin", "--noinput", "--username", "nopw")
    assert not User.objects.filter(username="nopw").exists()


@pytest.mark.django_db
def test_an_explicit_area_and_a_wrong_one(tree, monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", PASSWORD)
    call_command("create_admin", "--noinput", "--username", "town_admin", "--area", tree.town.code)
    user = User.objects.get(username="town_admin")
    assert list(user.grants.values_list("area__code", flat=True)) == [tree.town.code]
    with pytest.raises(CommandError):
        call_command("create_admin", "--noinput", "--username", "x_admin", "--area", "999")
    with pytest.raises(CommandError):  # a grid is below the administrator's levels
        call_command(
            "create_admin", "--noinput", "--username", "g_admin", "--area", tree.grid1.code
        )
    assert not User.objects.filter(username__in=["x_admin", "g_admin"]).exists()


@pytest.mark.django_db
def test_without_areas_the_admin_is_a_superuser_only():
    created = admin_create(username="early", password=PASSWORD)
    assert created.user.is_superuser and created.grants == []


def _cli(args: list[str], env: dict[str, str], stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "gridgov.cli", *args],
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.skipif(
    bool(os.environ.get("DATABASE_URL")), reason="the CLI uses its own SQLite data folder"
)
def test_the_real_cli_sets_up_a_fresh_data_folder_without_a_terminal(tmp_path):
    data = tmp_path / "var"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "DJANGO_"))}
    env.update(GRIDGOV_DATA_DIR=str(data), PYTHONPATH=str(SOURCE), LANG="C.UTF-8")
    dist = write_csv(tmp_path / "package" / "dist", DATA)
    for args in (["migrate"], ["import-divisions", "--code", "640122", "--source", str(dist)]):
        done = _cli(args, env)
        assert done.returncode == 0, done.stderr
    done = _cli(
        ["create-admin", "--username", "ops", "--password-stdin"], env, stdin=PASSWORD + "\n"
    )
    assert done.returncode == 0, done.stderr
    assert "640122" in done.stdout
    done = _cli(
        ["createsuperuser", "--noinput"],
        {**env, "DJANGO_SUPERUSER_USERNAME": "ops2", "DJANGO_SUPERUSER_PASSWORD": PASSWORD},
    )
    assert done.returncode == 0, done.stderr
    done = _cli(["create-admin", "--username", "ops3", "--noinput"], env)
    assert done.returncode != 0 and "DJANGO_SUPERUSER_PASSWORD" in done.stderr
    with sqlite3.connect(data / "gridgov.sqlite3") as con:
        rows = con.execute(
            "SELECT u.username, u.is_superuser, g.role, a.code FROM accounts_user u "
            "JOIN accounts_rolegrant g ON g.user_id = u.id JOIN areas_area a ON a.id = g.area_id "
            "ORDER BY u.username"
        ).fetchall()
    assert rows == [("ops", 1, "admin", "640122"), ("ops2", 1, "admin", "640122")]
    check = (
        "from django.contrib.auth import authenticate; "
        f"print(authenticate(username='ops2', password='{PASSWORD}') is not None)"
    )
    done = _cli(["shell", "-c", check], env)
    assert done.returncode == 0 and done.stdout.strip().endswith("True"), done.stderr
