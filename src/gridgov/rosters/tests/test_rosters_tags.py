"""Special groups: seeded types, adding/ending tags with their facts, the sensitive flag and
who may see which tags."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from gridgov.core.errors import Conflict, PermissionDenied, ValidationFailed
from gridgov.rosters import selectors
from gridgov.rosters.models import Resident, ResidentTag, RosterEvent, TagType
from gridgov.rosters.services import tags
from gridgov.rosters.tests.builders import make_household, make_resident, make_tag

pytestmark = pytest.mark.django_db


@pytest.fixture
def worker(tree: Any, make_user: Any) -> Any:
    return make_user("gw1", ("grid_worker", tree.grid1))


@pytest.fixture
def person(tree: Any) -> Any:
    return make_resident(make_household(tree.grid1), name="王芳")


def test_seeded_types() -> None:
    codes = set(TagType.objects.values_list("code", flat=True))
    assert {"dibao", "tekun", "elderly", "disabled", "left_behind_child", "veteran"} <= codes
    assert TagType.objects.get(code="disabled").sensitive
    assert not TagType.objects.get(code="elderly").sensitive


def test_tag_add_marks_sensitive(worker: Any, person: Any) -> None:
    disabled = TagType.objects.get(code="disabled")
    tags.tag_add(
        actor=worker,
        resident=person,
        tag_type=disabled,
        start_on=date(2024, 1, 1),
        facts={"disability_type": "肢体", "grade": "二级"},
    )
    person.refresh_from_db()
    assert person.sensitive
    event = RosterEvent.objects.get(resident=person, kind="tag_added")
    assert event.detail == {"tag_type": "disabled", "fields": ["disability_type", "grade"]}


def test_tag_add_non_sensitive_keeps_name(worker: Any, person: Any) -> None:
    tags.tag_add(
        actor=worker,
        resident=person,
        tag_type=TagType.objects.get(code="elderly"),
        start_on=date(2024, 1, 1),
        facts={"allowance": "100.50"},
    )
    person.refresh_from_db()
    assert not person.sensitive
    assert ResidentTag.objects.get(resident=person).facts == {"allowance": "100.50"}


def test_tag_add_checks_facts(worker: Any, person: Any) -> None:
    with pytest.raises(ValidationFailed) as exc:
        tags.tag_add(
            actor=worker,
            resident=person,
            tag_type=TagType.objects.get(code="disabled"),
            start_on=date(2024, 1, 1),
            facts={"grade": "九级"},
        )
    assert set(exc.value.fields) == {"disability_type", "grade"}
    assert not ResidentTag.objects.exists()


def test_tag_add_twice_refused(worker: Any, person: Any) -> None:
    elderly = TagType.objects.get(code="elderly")
    tags.tag_add(
        actor=worker,
        resident=person,
        tag_type=elderly,
        start_on=date(2024, 1, 1),
        facts={"allowance": "100"},
    )
    with pytest.raises(ValidationFailed) as exc:
        tags.tag_add(
            actor=worker,
            resident=person,
            tag_type=elderly,
            start_on=date(2024, 2, 1),
            facts={"allowance": "100"},
        )
    assert exc.value.code == "tag_exists"
    assert ResidentTag.objects.count() == 1


def test_sensitive_tag_needs_sensitive_perm(tree: Any, make_user: Any, person: Any) -> None:
    # A building chief may not edit at all; here a grid worker of another grid.
    other = make_user("gw2", ("grid_worker", tree.grid2))
    with pytest.raises(PermissionDenied):
        tags.tag_add(
            actor=other,
            resident=person,
            tag_type=TagType.objects.get(code="dibao"),
            start_on=date(2024, 1, 1),
            facts={"amount": "500"},
        )
    assert not ResidentTag.objects.exists()


def test_tag_end_unmasks_name(worker: Any, person: Any) -> None:
    tag = make_tag(person, TagType.objects.get(code="dibao"), facts={"amount": "500"})
    assert person.sensitive
    tags.tag_end(actor=worker, tag=tag, on=date(2025, 1, 1), version=tag.version)
    person.refresh_from_db()
    assert not person.sensitive
    assert ResidentTag.objects.get(pk=tag.pk).end_on == date(2025, 1, 1)


def test_tag_end_before_start_refused(worker: Any, person: Any) -> None:
    tag = make_tag(person, TagType.objects.get(code="dibao"), start_on=date(2024, 5, 1))
    with pytest.raises(ValidationFailed):
        tags.tag_end(actor=worker, tag=tag, on=date(2024, 4, 1))
    assert ResidentTag.objects.get(pk=tag.pk).end_on is None


def test_tag_update_stale_version(worker: Any, person: Any) -> None:
    tag = make_tag(person, TagType.objects.get(code="elderly"), facts={"allowance": "100"})
    tags.tag_update(actor=worker, tag=tag, version=1, facts={"allowance": "120"})
    stale = ResidentTag.objects.get(pk=tag.pk)
    with pytest.raises(Conflict):
        tags.tag_update(actor=worker, tag=stale, version=1, facts={"allowance": "150"})
    assert ResidentTag.objects.get(pk=tag.pk).facts == {"allowance": "120"}


def test_refresh_sensitive_many(tree: Any) -> None:
    hh = make_household(tree.grid1)
    people = [make_resident(hh, relation="99") for _ in range(3)]
    dibao = TagType.objects.get(code="dibao")
    ResidentTag.objects.create(
        resident=people[0], tag_type=dibao, area_path=people[0].area_path, start_on=date(2024, 1, 1)
    )
    assert tags.refresh_sensitive([p.pk for p in people]) == 3
    flags = dict(Resident.objects.values_list("pk", "sensitive"))
    assert flags == {people[0].pk: True, people[1].pk: False, people[2].pk: False}


def test_tag_type_change_to_sensitive_refreshes(tree: Any, make_user: Any, person: Any) -> None:
    admin = make_user("adm", ("admin", tree.county))
    veteran = TagType.objects.get(code="veteran")
    make_tag(person, veteran)
    tags.tag_type_update(actor=admin, tag_type=veteran, sensitive=True)
    person.refresh_from_db()
    assert person.sensitive


def test_tag_type_create_needs_config(worker: Any) -> None:
    with pytest.raises(PermissionDenied):
        tags.tag_type_create(actor=worker, code="x", name="某类")
    assert not TagType.objects.filter(code="x").exists()


def test_tag_type_create_checks_fields(tree: Any, make_user: Any) -> None:
    admin = make_user("adm", ("admin", tree.county))
    with pytest.raises(ValidationFailed):
        tags.tag_type_create(
            actor=admin, code="x", name="某类", fields=[{"key": "a", "label": "", "type": "x"}]
        )
    t = tags.tag_type_create(
        actor=admin, code="x", name="某类", fields=[{"key": "a", "label": "甲", "type": "int"}]
    )
    assert t.fields == [{"key": "a", "label": "甲", "type": "int", "required": False}]


def test_tags_visible_hides_sensitive_from_building_chief(
    tree: Any, make_user: Any, person: Any
) -> None:
    chief = make_user("bc", ("building_chief", tree.grid1))
    worker = make_user("gw", ("grid_worker", tree.grid1))
    make_tag(person, TagType.objects.get(code="dibao"))
    make_tag(person, TagType.objects.get(code="elderly"))
    assert {t.tag_type.code for t in selectors.tags_visible_for(chief, person)} == {"elderly"}
    assert {t.tag_type.code for t in selectors.tags_visible_for(worker, person)} == {
        "dibao",
        "elderly",
    }


def test_tag_filter_ignored_without_sensitive(tree: Any, make_user: Any, person: Any) -> None:
    chief = make_user("bc", ("building_chief", tree.grid1))
    dibao = TagType.objects.get(code="dibao")
    make_tag(person, dibao)
    assert list(selectors.resident_search_for(actor=chief, tag=dibao)) == []
    worker = make_user("gw", ("grid_worker", tree.grid1))
    assert list(selectors.resident_search_for(actor=worker, tag=dibao)) == [person]


def test_admin_pages_render_masked(tree: Any, make_user: Any, person: Any) -> None:
    from django.test import Client

    from gridgov.conftest import TEST_PASSWORD

    admin_user = make_user("root", is_superuser=True, is_staff=True)
    make_tag(person, TagType.objects.get(code="dibao"))
    c = Client()
    assert c.login(username=admin_user.username, password=TEST_PASSWORD)
    for name in ("tagtype", "household", "resident", "residenttag", "rosterevent"):
        r = c.get(f"/admin/rosters/{name}/")
        assert r.status_code == 200, name
    html = c.get(f"/admin/rosters/resident/{person.pk}/change/").content.decode()
    assert "王*" in html and "王芳" not in html
