"""The command centre's scope: the default area and period, drill-down and breadcrumbs, and
the refusals (403 without command.view anywhere, 404 outside the jurisdiction, 400 for a bad
period)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from gridgov.audit.models import AuditEntry, Event
from gridgov.command.tiles.selectors import breadcrumbs_for, children_for, scope_for
from gridgov.core.errors import Code, NotFound, PermissionDenied, ValidationFailed

TODAY = date(2026, 3, 18)


@pytest.fixture
def county_dispatcher(tree: Any, make_user: Any) -> Any:
    return make_user("county_disp", ("dispatcher", tree.county))


@pytest.fixture
def street_dispatcher(tree: Any, make_user: Any) -> Any:
    return make_user("street_disp", ("dispatcher", tree.street))


def test_default_area_is_the_top_area_and_period_this_month(tree, county_dispatcher) -> None:
    scope = scope_for(actor=county_dispatcher, today=TODAY)
    assert scope.area == tree.county
    assert (scope.date_from, scope.date_to) == (date(2026, 3, 1), TODAY)
    assert scope.today == TODAY


def test_only_to_gives_the_month_of_to(county_dispatcher) -> None:
    scope = scope_for(actor=county_dispatcher, date_to="2026-02-10", today=TODAY)
    assert (scope.date_from, scope.date_to) == (date(2026, 2, 1), date(2026, 2, 10))


def test_drill_down_lists_active_children_in_code_order(tree, county_dispatcher) -> None:
    scope = scope_for(actor=county_dispatcher, today=TODAY)
    assert children_for(scope) == [
        {"id": tree.street.pk, "name": "凤鸣街道", "level": 4},
        {"id": tree.town.pk, "name": "金沙镇", "level": 4},
    ]
    down = scope_for(actor=county_dispatcher, area_id=tree.community.pk, today=TODAY)
    assert [c["id"] for c in children_for(down)] == [tree.grid1.pk, tree.grid2.pk]


def test_breadcrumbs_stop_at_the_jurisdiction(tree, street_dispatcher, county_dispatcher) -> None:
    scope = scope_for(actor=street_dispatcher, area_id=tree.grid1.pk, today=TODAY)
    assert [c["name"] for c in breadcrumbs_for(scope)] == ["凤鸣街道", "凤鸣社区", "网格一"]
    wide = scope_for(actor=county_dispatcher, area_id=tree.community.pk, today=TODAY)
    assert [c["id"] for c in breadcrumbs_for(wide)] == [
        tree.county.pk,
        tree.street.pk,
        tree.community.pk,
    ]


def test_street_dispatcher_defaults_to_the_street(tree, street_dispatcher) -> None:
    assert scope_for(actor=street_dispatcher, today=TODAY).area == tree.street


def test_another_street_is_not_found(tree, street_dispatcher) -> None:
    with pytest.raises(NotFound):
        scope_for(actor=street_dispatcher, area_id=tree.town.pk, today=TODAY)
    with pytest.raises(NotFound):  # above the jurisdiction too
        scope_for(actor=street_dispatcher, area_id=tree.county.pk, today=TODAY)
    with pytest.raises(NotFound):
        scope_for(actor=street_dispatcher, area_id=10**9, today=TODAY)


def test_without_command_view_anywhere_is_denied_and_audited(tree, make_user) -> None:
    staff = make_user("staff", ("community_staff", tree.community))  # stats, no command.view
    with pytest.raises(PermissionDenied):
        scope_for(actor=staff, today=TODAY)
    assert AuditEntry.objects.filter(event=Event.PERMISSION_DENIED, actor=staff).exists()


@pytest.mark.parametrize(
    ("date_from", "date_to", "field", "code"),
    [
        ("2026-13-01", None, "from", Code.VALIDATION_FAILED),
        ("yesterday", None, "from", Code.VALIDATION_FAILED),
        (None, "20260301", "to", Code.VALIDATION_FAILED),
        ("1800-01-01", None, "from", Code.DATE_OUT_OF_RANGE),
        (None, "2026-03-19", "to", Code.DATE_IN_FUTURE),
        ("2026-04-01", "2026-04-02", "from", Code.DATE_IN_FUTURE),
        ("2026-03-10", "2026-03-01", "to", Code.VALIDATION_FAILED),
        ("2020-01-01", "2026-03-01", "from", Code.VALIDATION_FAILED),
    ],
)
def test_bad_periods_are_refused_with_a_field(
    county_dispatcher, date_from, date_to, field, code
) -> None:
    with pytest.raises(ValidationFailed) as err:
        scope_for(actor=county_dispatcher, date_from=date_from, date_to=date_to, today=TODAY)
    assert err.value.code == code
    assert field in err.value.as_dict()["fields"]
