"""Grid staff posts (三长联动): who may hold which post where, one grid chief per grid, history."""

from __future__ import annotations

from datetime import date

import pytest

from gridgov.audit.models import AuditEntry
from gridgov.core.errors import Conflict, PermissionDenied, ValidationFailed
from gridgov.rosters.models import StaffAssignment
from gridgov.rosters.selectors_places import assignable_users, staff_list_for
from gridgov.rosters.services.places import building_create
from gridgov.rosters.services.staff import staff_assign, staff_end

D = date(2025, 3, 1)


@pytest.fixture
def chief(tree, make_user):
    """Community staff: roster.edit across 凤鸣社区."""
    return make_user("chief", ("community_staff", tree.community))


@pytest.fixture
def worker(tree, make_user):
    return make_user("worker", ("grid_worker", tree.grid1))


@pytest.fixture
def building(tree):
    return building_create(
        actor=None, area=tree.grid1, name="1号楼", floors=3, units=2, rooms_per_floor=2
    )


def test_grid_worker_is_assigned_full_time(tree, chief, worker):
    post = staff_assign(actor=chief, user=worker, post="full_time", area=tree.grid1, start_on=D)
    assert (post.area_path, post.end_on, post.created_by) == (tree.grid1.path, None, chief)
    assert AuditEntry.objects.filter(target_id=str(worker.pk), detail__assignment=post.pk).exists()


def test_user_without_a_grant_in_the_grid_is_refused(tree, chief, make_user):
    elsewhere = make_user("far", ("grid_worker", tree.grid3))
    with pytest.raises(ValidationFailed) as exc:
        staff_assign(actor=chief, user=elsewhere, post="full_time", area=tree.grid1, start_on=D)
    assert exc.value.code == "no_grant"
    assert not StaffAssignment.objects.exists()


def test_role_must_fit_the_post(tree, chief, make_user):
    dispatcher = make_user("disp", ("dispatcher", tree.street))
    with pytest.raises(ValidationFailed) as exc:
        staff_assign(actor=chief, user=dispatcher, post="grid_chief", area=tree.grid1, start_on=D)
    assert exc.value.code == "no_grant"


def test_grant_above_the_grid_counts(tree, chief):
    post = staff_assign(actor=chief, user=chief, post="grid_chief", area=tree.grid2, start_on=D)
    assert post.area == tree.grid2


def test_only_one_open_grid_chief_per_grid(tree, chief, worker):
    staff_assign(actor=chief, user=chief, post="grid_chief", area=tree.grid1, start_on=D)
    with pytest.raises(ValidationFailed) as exc:
        staff_assign(actor=chief, user=worker, post="grid_chief", area=tree.grid1, start_on=D)
    assert exc.value.code == "grid_chief_taken"
    assert StaffAssignment.objects.count() == 1


def test_after_ending_the_chief_a_new_one_may_be_assigned(tree, chief, worker):
    first = staff_assign(actor=chief, user=chief, post="grid_chief", area=tree.grid1, start_on=D)
    staff_end(actor=chief, assignment=first, end_on=date(2025, 6, 30))
    staff_assign(
        actor=chief, user=worker, post="grid_chief", area=tree.grid1, start_on=date(2025, 7, 1)
    )
    history = StaffAssignment.objects.filter(area=tree.grid1, post="grid_chief")
    assert sorted((p.user_id, p.end_on) for p in history) == sorted(
        [(chief.pk, date(2025, 6, 30)), (worker.pk, None)]
    )


def test_the_same_post_twice_is_a_conflict(tree, chief, worker):
    staff_assign(actor=chief, user=worker, post="part_time", area=tree.grid1, start_on=D)
    with pytest.raises(Conflict):
        staff_assign(actor=chief, user=worker, post="part_time", area=tree.grid1, start_on=D)


def test_building_chief_needs_a_building(tree, chief, worker):
    with pytest.raises(ValidationFailed) as exc:
        staff_assign(actor=chief, user=worker, post="building_chief", area=tree.grid1, start_on=D)
    assert "building" in exc.value.fields


def test_building_chief_of_a_building_in_the_grid(tree, chief, make_user, building):
    bc = make_user("bc", ("building_chief", tree.grid1))
    post = staff_assign(
        actor=chief, user=bc, post="building_chief", area=tree.grid1, building=building, start_on=D
    )
    assert post.building == building
    assert list(staff_list_for(actor=chief, building=building)) == [post]


def test_building_of_another_grid_is_refused(tree, chief, worker, building):
    with pytest.raises(ValidationFailed) as exc:
        staff_assign(
            actor=chief,
            user=chief,
            post="building_chief",
            area=tree.grid2,
            building=building,
            start_on=D,
        )
    assert exc.value.code == "building_elsewhere"


def test_unit_chief_needs_a_unit_of_that_building(tree, chief, worker, building):
    other = building_create(
        actor=None, area=tree.grid1, name="2号楼", floors=2, units=1, rooms_per_floor=1
    )
    with pytest.raises(ValidationFailed) as exc:
        staff_assign(
            actor=chief,
            user=worker,
            post="unit_chief",
            area=tree.grid1,
            building=building,
            unit=other.units.get(),
            start_on=D,
        )
    assert exc.value.code == "unit_elsewhere"
    with pytest.raises(ValidationFailed) as exc:
        staff_assign(
            actor=chief,
            user=worker,
            post="unit_chief",
            area=tree.grid1,
            building=building,
            start_on=D,
        )
    assert exc.value.code == "unit_required"


def test_unit_chief_of_a_unit(tree, chief, worker, building):
    unit = building.units.get(number=2)
    post = staff_assign(
        actor=chief,
        user=worker,
        post="unit_chief",
        area=tree.grid1,
        building=building,
        unit=unit,
        start_on=D,
    )
    assert (post.building, post.unit) == (building, unit)


def test_grid_post_refuses_a_building(tree, chief, worker, building):
    with pytest.raises(ValidationFailed):
        staff_assign(
            actor=chief,
            user=worker,
            post="full_time",
            area=tree.grid1,
            building=building,
            start_on=D,
        )


def test_assigning_outside_the_actors_jurisdiction_is_refused(tree, worker, make_user):
    other = make_user("other", ("grid_worker", tree.grid2))
    with pytest.raises(PermissionDenied):
        staff_assign(actor=worker, user=other, post="full_time", area=tree.grid2, start_on=D)
    assert not StaffAssignment.objects.exists()


def test_building_chief_role_may_not_assign(tree, make_user, worker):
    bc = make_user("bc", ("building_chief", tree.grid1))
    with pytest.raises(PermissionDenied):
        staff_assign(actor=bc, user=worker, post="full_time", area=tree.grid1, start_on=D)


def test_staff_end_keeps_the_row(tree, chief, worker):
    post = staff_assign(actor=chief, user=worker, post="full_time", area=tree.grid1, start_on=D)
    staff_end(actor=chief, assignment=post, end_on=date(2025, 12, 31))
    post.refresh_from_db()
    assert post.end_on == date(2025, 12, 31)
    assert list(staff_list_for(actor=chief, area=tree.grid1)) == []
    assert list(staff_list_for(actor=chief, area=tree.grid1, include_ended=True)) == [post]


def test_staff_end_before_start_is_refused(tree, chief, worker):
    post = staff_assign(actor=chief, user=worker, post="full_time", area=tree.grid1, start_on=D)
    with pytest.raises(ValidationFailed):
        staff_end(actor=chief, assignment=post, end_on=date(2025, 2, 1))
    post.refresh_from_db()
    assert post.end_on is None


def test_staff_end_twice_is_a_conflict(tree, chief, worker):
    post = staff_assign(actor=chief, user=worker, post="full_time", area=tree.grid1, start_on=D)
    staff_end(actor=chief, assignment=post, end_on=date(2025, 12, 31))
    with pytest.raises(Conflict):
        staff_end(actor=chief, assignment=post, end_on=date(2026, 1, 31))
    post.refresh_from_db()
    assert post.end_on == date(2025, 12, 31)


def test_staff_list_is_scoped(tree, chief, worker, make_user):
    other = make_user("other", ("grid_worker", tree.grid2))
    staff_assign(actor=chief, user=other, post="full_time", area=tree.grid2, start_on=D)
    assert list(staff_list_for(actor=worker)) == []
    assert staff_list_for(actor=chief).count() == 1


def test_assignable_users_are_those_with_a_fitting_grant(tree, chief, worker, make_user):
    make_user("far", ("grid_worker", tree.grid3))
    make_user("resident", ("resident", tree.grid1))
    names = set(assignable_users(actor=chief, area=tree.grid1).values_list("username", flat=True))
    assert names == {"chief", "worker"}
    assert not assignable_users(actor=worker, area=tree.grid2).exists()


def test_building_move_takes_its_open_posts_along(tree, chief, worker, building):
    from gridgov.rosters.services.places import building_move

    unit = building.units.get(number=1)
    post = staff_assign(
        actor=chief,
        user=worker,
        post="unit_chief",
        area=tree.grid1,
        building=building,
        unit=unit,
        start_on=D,
    )
    building_move(actor=chief, building=building, to_area=tree.grid2, reason="网格调整")
    post.refresh_from_db()
    assert (post.area_id, post.area_path) == (tree.grid2.pk, tree.grid2.path)
