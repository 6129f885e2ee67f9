"""The category tree: the seeded GB/T 30428.2 + governance classes, the config.manage
services, extra-field checks, the back office and the API."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from gridgov.accounts.services import token_issue
from gridgov.audit.models import AuditEntry
from gridgov.cases.models import Category
from gridgov.cases.services.categories import (
    category_create,
    category_deactivate,
    category_update,
    validate_extra,
)
from gridgov.cases.tests import core_builders
from gridgov.cases.tests.core_builders import category
from gridgov.core.errors import PermissionDenied, ValidationFailed

people = core_builders.people  # the fixture


@pytest.fixture(autouse=True)
def _fast_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# --- Seed ----------------------------------------------------------------------------------------


def test_seed_has_the_standard_event_classes(db):
    tops = dict(Category.objects.filter(parent=None).values_list("code", "name"))
    assert {k: tops[k] for k in ("01", "02", "03", "04", "05", "06")} == {
        "01": "市容环境",
        "02": "宣传广告",
        "03": "施工管理",
        "04": "突发事件",
        "05": "街面秩序",
        "06": "扩展",
    }
    assert {"G01", "G02", "G03", "G04", "G05", "G06", "G07"} <= set(tops)


def test_seed_sub_classes_use_four_digit_codes_under_their_class(db):
    assert category("0101").name == "暴露垃圾"
    assert category("0504").name == "机动车乱停放"
    for c in Category.objects.filter(parent__isnull=False, code__regex=r"^\d"):
        assert len(c.code) == 4 and c.code.startswith(c.parent.code)


def test_seed_limits(db):
    urgent = category("04")
    assert (urgent.sign_limit, urgent.sign_unit, urgent.handle_limit, urgent.handle_unit) == (
        1,
        "hours",
        8,
        "hours",
    )
    assert (category("G04").handle_limit, category("G04").handle_unit) == (3, "days")
    assert (category("G06").handle_limit, category("G06").handle_unit) == (13, "days")


def test_seed_extra_fields(db):
    assert category("0504").extra_fields[0]["label"] == "车牌号"
    assert category("G01").extra_fields[0]["name"] == "party_count"
    assert category("G0101").name == "邻里纠纷"


# --- Services ------------------------------------------------------------------------------------


def test_admin_creates_a_sub_category_inheriting_limits(tree, people):
    parent = category("G04")
    cat = category_create(actor=people.admin, code="G0409", name="户籍咨询", parent=parent)
    assert (cat.handle_limit, cat.handle_unit, cat.default_level) == (
        3,
        "days",
        parent.default_level,
    )
    assert AuditEntry.objects.filter(target_id=str(cat.pk), actor=people.admin).exists()


def test_dispatcher_cannot_create_and_nothing_is_created(tree, people):
    before = Category.objects.count()
    with pytest.raises(PermissionDenied):
        category_create(actor=people.dispatcher, code="G0409", name="户籍咨询")
    assert Category.objects.count() == before


@pytest.mark.parametrize(
    "code, field",
    [("X", "code"), ("0101", "code"), ("0999", "code")],  # bad, duplicate, not under parent 01
)
def test_create_checks_the_code(tree, people, code, field):
    with pytest.raises(ValidationFailed) as exc:
        category_create(actor=people.admin, code=code, name="测试", parent=category("01"))
    assert field in exc.value.fields


def test_create_checks_extra_field_definitions(tree, people):
    with pytest.raises(ValidationFailed):
        category_create(
            actor=people.admin, code="G0799", name="测试", extra_fields=[{"name": "Bad Name"}]
        )


def test_update_changes_limits(tree, people):
    cat = category_update(actor=people.admin, category=category("0101"), handle_limit=2)
    assert Category.objects.get(pk=cat.pk).handle_limit == 2


def test_update_refuses_out_of_range_limits(tree, people):
    with pytest.raises(ValidationFailed) as exc:
        category_update(actor=people.admin, category=category("0101"), handle_limit=0)
    assert "handle_limit" in exc.value.fields
    assert category("0101").handle_limit == 1


def test_deactivate_hides_the_sub_classes_too(tree, people):
    category_deactivate(actor=people.admin, category=category("02"))
    assert not Category.objects.filter(code__startswith="02", is_active=True).exists()


# --- validate_extra ---------------------------------------------------------------------------


def test_required_extra_field_missing(db):
    with pytest.raises(ValidationFailed) as exc:
        validate_extra(category("0504"), {})
    assert "extra.plate" in exc.value.fields


def test_extra_fields_of_the_parent_apply(db):
    with pytest.raises(ValidationFailed) as exc:
        validate_extra(category("G0101"), {})
    assert "extra.party_count" in exc.value.fields
    assert validate_extra(category("G0101"), {"party_count": "3", "junk": 1}) == {"party_count": 3}


def test_number_and_choice_types(db):
    with pytest.raises(ValidationFailed) as exc:
        validate_extra(category("G0101"), {"party_count": "三"})
    assert "extra.party_count" in exc.value.fields
    with pytest.raises(ValidationFailed):
        validate_extra(category("0401"), {"casualties": "很多"})
    assert validate_extra(category("0401"), {"casualties": "无"}) == {"casualties": "无"}


def test_text_field(db):
    assert validate_extra(category("0504"), {"plate": " 宁A12345 "}) == {"plate": "宁A12345"}


# --- Back office and API ----------------------------------------------------------------------


def test_admin_page_saves_through_the_service(tree, make_user):
    root = make_user("root", is_superuser=True, is_staff=True)
    client = Client()
    client.force_login(root)
    r = client.post(
        "/admin/cases/category/add/",
        {
            "code": "G0799",
            "name": "其他建议",
            "parent": category("G07").pk,
            "description": "",
            "default_level": 4,
            "default_department_kind": "",
            "check_limit": 1,
            "check_unit": "days",
            "sign_limit": 2,
            "sign_unit": "days",
            "handle_limit": 15,
            "handle_unit": "days",
            "priority": 3,
            "extra_fields": "[]",
            "is_active": "on",
            "sort": 0,
        },
    )
    assert r.status_code == 302, r.content[:2000]
    cat = Category.objects.get(code="G0799")
    assert AuditEntry.objects.filter(target_id=str(cat.pk), event="config_changed").exists()


def _call(method: str, url: str, user: Any, body: Any = None) -> Any:
    _t, raw = token_issue(user=user)
    kw: dict[str, Any] = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    if body is not None:
        kw.update(data=json.dumps(body), content_type="application/json")
    return getattr(Client(), method)(url, **kw)


def test_api_lists_the_tree_with_extra_fields(tree, people):
    r = _call("get", "/api/v1/cases/categories", people.worker)
    assert r.status_code == 200
    tops = {c["code"]: c for c in r.json()}
    street = {c["code"]: c for c in tops["05"]["children"]}
    assert street["0504"]["extra_fields"][0]["name"] == "plate"


def test_api_create_needs_config_manage(tree, people):
    body = {"code": "G0799", "name": "其他建议", "parent_id": category("G07").pk}
    assert _call("post", "/api/v1/cases/categories", people.dispatcher, body).status_code == 403
    r = _call("post", "/api/v1/cases/categories", people.admin, body)
    assert r.status_code == 201 and r.json()["handle_limit"] == 15


def test_api_update(tree, people):
    cat = category("0101")
    r = _call("patch", f"/api/v1/cases/categories/{cat.pk}", people.admin, {"handle_limit": 2})
    assert r.status_code == 200 and r.json()["handle_limit"] == 2
    r = _call("patch", f"/api/v1/cases/categories/{cat.pk}", people.worker, {"handle_limit": 9})
    assert r.status_code == 403 and category("0101").handle_limit == 2
