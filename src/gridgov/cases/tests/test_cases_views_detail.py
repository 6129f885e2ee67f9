"""Case pages, part 2: the detail page, its action forms (each posted through to the lifecycle
service), stale versions, and the photo view that checks who may see the case."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from gridgov.cases import guards
from gridgov.cases.models import Case, CaseAttachment, CaseEvent
from gridgov.cases.states import Action, HandlingLevel, Rating, Status
from gridgov.cases.tests.test_cases_views import cats, dispatcher, leader, make_case, worker
from gridgov.core import crypto

__all__ = ["cats", "dispatcher", "leader", "worker"]  # fixtures shared with part 1

STALE = "已被他人更新"


def jpeg(name: str = "p.jpg") -> SimpleUploadedFile:
    buf = io.BytesIO()
    Image.new("RGB", (32, 24), (200, 30, 30)).save(buf, "JPEG")
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/jpeg")


def detail(case: Case) -> str:
    return reverse("cases:detail", args=[case.pk])


def act(case: Case, action: str) -> str:
    return reverse("cases:act", args=[case.pk, action])


def offered(html: str) -> set[str]:
    return set(re.findall(r'class="[^"]*gg-action[^"]*" data-action="([a-z_]+)"', html)) | set(
        re.findall(r'<details class="card gg-action mb-2" data-action="([a-z_]+)"', html)
    )


def reload(case: Case) -> Case:
    return Case.objects.get(pk=case.pk)


@pytest.fixture
def resident(tree: Any, make_user: Any) -> Any:
    return make_user("jumin", ("resident", tree.grid1))


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


# --- Detail ----------------------------------------------------------------------------------


def test_detail_outside_the_jurisdiction_is_404(
    client: Any, tree: Any, cats: Any, dispatcher: Any
) -> None:
    case = make_case(tree.grid3, cats.child)
    client.force_login(dispatcher)
    assert client.get(detail(case)).status_code == 404


def test_detail_shows_the_case(client: Any, tree: Any, cats: Any, dispatcher: Any) -> None:
    case = make_case(tree.grid1, cats.child, status=Status.IN_PROGRESS, lon=106.205, lat=38.505)
    client.force_login(dispatcher)
    response = client.get(detail(case))
    html = response.content.decode()
    assert response.status_code == 200
    assert case.number in html and case.title in html and cats.child.name in html
    assert 'data-status="in_progress"' in html
    assert 'id="gg-case-map-data"' in html and "106.205" in html


def test_detail_offers_exactly_the_allowed_actions(
    client: Any, tree: Any, cats: Any, worker: Any
) -> None:
    case = make_case(tree.grid1, cats.child, status=Status.ASSIGNED)
    client.force_login(worker)
    html = client.get(detail(case)).content.decode()
    assert offered(html) == set(guards.allowed_actions(case=case, user=worker))
    assert Action.SIGN in offered(html)
    assert Action.DISPATCH not in offered(html)


def test_detail_offers_no_unit_action_to_another_grid(
    client: Any, tree: Any, cats: Any, worker: Any
) -> None:
    case = make_case(tree.grid1, cats.child, status=Status.ASSIGNED, assigned_area=tree.grid2)
    client.force_login(worker)
    response = client.get(detail(case))
    assert response.status_code == 404 or Action.SIGN not in offered(response.content.decode())


def test_detail_masks_the_reporter(client: Any, tree: Any, cats: Any, dispatcher: Any) -> None:
    case = make_case(
        tree.grid1,
        cats.child,
        reporter_name="张三丰",
        reporter_phone_enc=crypto.encrypt("13812345678"),
    )
    client.force_login(dispatcher)
    html = client.get(detail(case)).content.decode()
    assert "138****5678" in html and "张**" in html
    assert "13812345678" not in html and "张三丰" not in html


def test_dispatch_form_lists_units_containing_the_case(
    client: Any, tree: Any, cats: Any, dispatcher: Any
) -> None:
    case = make_case(tree.grid1, cats.child, status=Status.ACCEPTED)
    client.force_login(dispatcher)
    form = next(
        af["form"]
        for af in client.get(detail(case)).context["action_forms"]
        if af["action"] == Action.DISPATCH
    )
    values = {v for _group, opts in form.fields["unit"].choices for v, _label in opts}
    assert {f"area:{a.pk}" for a in (tree.grid1, tree.community, tree.street)} <= values
    assert f"area:{tree.grid2.pk}" not in values and f"area:{tree.county.pk}" not in values


def test_dispatch_form_is_prefilled_with_the_routing_proposal(
    client: Any, tree: Any, cats: Any, dispatcher: Any
) -> None:
    cats.child.default_level = HandlingLevel.COMMUNITY
    cats.child.save()
    case = make_case(tree.grid1, cats.child, status=Status.ACCEPTED)
    client.force_login(dispatcher)
    response = client.get(detail(case))
    form = next(af["form"] for af in response.context["action_forms"] if af["action"] == "dispatch")
    assert form.initial["unit"] == f"area:{tree.community.pk}"
    assert 'data-testid="proposal"' in response.content.decode()


def test_dispatcher_sees_likely_duplicates(
    client: Any, tree: Any, cats: Any, dispatcher: Any
) -> None:
    first = make_case(tree.grid1, cats.child, title="小区门口垃圾堆放", lon=106.205, lat=38.505)
    case = make_case(tree.grid1, cats.child, title="小区门口垃圾堆放", lon=106.205, lat=38.505)
    client.force_login(dispatcher)
    html = client.get(detail(case)).content.decode()
    assert f'data-duplicate="{first.pk}"' in html


def test_handler_is_not_shown_duplicates(client: Any, tree: Any, cats: Any, worker: Any) -> None:
    case = make_case(tree.grid1, cats.child, status=Status.ASSIGNED)
    client.force_login(worker)
    assert 'data-testid="case-duplicates"' not in client.get(detail(case)).content.decode()


def test_resident_sees_their_own_case_and_may_rate_it(
    client: Any, tree: Any, cats: Any, resident: Any
) -> None:
    case = make_case(tree.grid1, cats.child, status=Status.CLOSED, reporter=resident)
    client.force_login(resident)
    response = client.get(detail(case))
    assert response.status_code == 200
    assert Action.RATE in offered(response.content.decode())
    assert 'name="callback"' not in response.content.decode()


def test_resident_cannot_see_someone_elses_case(
    client: Any, tree: Any, cats: Any, resident: Any
) -> None:
    case = make_case(tree.grid1, cats.child, status=Status.CLOSED)
    client.force_login(resident)
    assert client.get(detail(case)).status_code == 404


# --- Actions ---------------------------------------------------------------------------------


def test_dispatch_posts_through_to_the_service(
    client: Any, tree: Any, cats: Any, dispatcher: Any
) -> None:
    case = make_case(tree.grid1, cats.child, status=Status.ACCEPTED)
    client.force_login(dispatcher)
    data = {"version": case.version, "unit": f"area:{tree.grid1.pk}", "note": "请尽快"}
    response = client.post(act(case, Action.DISPATCH), data)
    assert response.status_code == 302 and response["Location"] == detail(case)
    case = reload(case)
    assert case.status == Status.ASSIGNED and case.assigned_area == tree.grid1
    assert CaseEvent.objects.filter(case=case, action=Action.DISPATCH).exists()


def test_sign_posts_through_to_the_service(client: Any, tree: Any, cats: Any, worker: Any) -> None:
    case = make_case(tree.grid1, cats.child, status=Status.ASSIGNED)
    client.force_login(worker)
    response = client.post(act(case, Action.SIGN), {"version": case.version}, follow=True)
    assert reload(case).status == Status.IN_PROGRESS
    assert "You signed for the case." in response.content.decode() or response.status_code == 200


def test_return_posts_through_to_the_service(
    client: Any, tree: Any, cats: Any, worker: Any
) -> None:
    case = make_case(tree.grid1, cats.child, status=Status.ASSIGNED)
    client.force_login(worker)
    client.post(act(case, Action.RETURN), {"version": case.version, "reason": "不属于本网格"})
    assert reload(case).status == Status.ACCEPTED
    event = CaseEvent.objects.get(case=case, action=Action.RETURN)
    assert "不属于本网格" in (event.note + str(event.data))


def test_return_without_a_reason_changes_nothing(
    client: Any, tree: Any, cats: Any, worker: Any
) -> None:
    case = make_case(tree.grid1, cats.child, status=Status.ASSIGNED)
    client.force_login(worker)
    response = client.post(act(case, Action.RETURN), {"version": case.version, "reason": ""})
    assert response.status_code == 400
    assert reload(case).status == Status.ASSIGNED
    assert reload(case).version == case.version


def test_reply_with_a_photo_posts_through_to_the_service(
    client: Any, tree: Any, cats: Any, worker: Any
) -> None:
    case = make_case(tree.grid1, cats.child, status=Status.IN_PROGRESS)
    client.force_login(worker)
    data = {"version": case.version, "reply": "已清理", "photos": [jpeg()]}
    response = client.post(act(case, Action.REPLY), data)
    assert response.status_code == 302
    case = reload(case)
    assert case.status == Status.RESOLVED and case.reply == "已清理"
    assert CaseAttachment.objects.filter(case=case).count() == 1


def test_verify_pass_posts_through_to_the_service(
    client: Any, tree: Any, cats: Any, dispatcher: Any
) -> None:
    case = make_case(tree.grid1, cats.child, status=Status.RESOLVED)
    client.force_login(dispatcher)
    client.post(act(case, Action.VERIFY_PASS), {"version": case.version, "note": "现场已核实"})
    assert reload(case).status == Status.CLOSED


def test_verify_fail_sends_the_case_back(
    client: Any, tree: Any, cats: Any, dispatcher: Any
) -> None:
    case = make_case(tree.grid1, cats.child, status=Status.RESOLVED)
    client.force_login(dispatcher)
    client.post(act(case, Action.VERIFY_FAIL), {"version": case.version, "note": "垃圾仍在"})
    assert reload(case).status == Status.IN_PROGRESS


def test_rate_posts_through_to_the_service(
    client: Any, tree: Any, cats: Any, resident: Any
) -> None:
    case = make_case(tree.grid1, cats.child, status=Status.CLOSED, reporter=resident)
    client.force_login(resident)
    client.post(
        act(case, Action.RATE),
        {"version": case.version, "rating": Rating.SATISFIED, "comment": "很快"},
    )
    case = reload(case)
    assert case.status == Status.RATED and case.rating == Rating.SATISFIED


def test_urge_posts_through_to_the_service(client: Any, tree: Any, cats: Any, leader: Any) -> None:
    case = make_case(tree.grid1, cats.child, status=Status.IN_PROGRESS)
    client.force_login(leader)
    client.post(act(case, Action.URGE), {"version": case.version, "message": "请加快办理"})
    assert reload(case).urge_count == 1
    assert CaseEvent.objects.filter(case=case, action=Action.URGE).exists()


def test_stale_version_shows_the_conflict_and_changes_nothing(
    client: Any, tree: Any, cats: Any, worker: Any
) -> None:
    case = make_case(tree.grid1, cats.child, status=Status.ASSIGNED)
    seen = case.version
    Case.objects.filter(pk=case.pk).update(version=seen + 1)  # someone else acted meanwhile
    client.force_login(worker)
    response = client.post(act(case, Action.SIGN), {"version": seen}, follow=True)
    assert STALE in response.content.decode()
    after = reload(case)
    assert after.status == Status.ASSIGNED and after.version == seen + 1
    assert not CaseEvent.objects.filter(case=case, action=Action.SIGN).exists()


def test_action_not_allowed_changes_nothing(client: Any, tree: Any, cats: Any, worker: Any) -> None:
    case = make_case(tree.grid1, cats.child, status=Status.ACCEPTED)
    client.force_login(worker)
    data = {"version": case.version, "unit": f"area:{tree.grid1.pk}"}
    response = client.post(act(case, Action.DISPATCH), data)
    assert response.status_code in (302, 400, 403)
    assert reload(case).status == Status.ACCEPTED
    assert not CaseEvent.objects.filter(case=case).exists()


def test_action_on_a_case_outside_is_404(
    client: Any, tree: Any, cats: Any, dispatcher: Any
) -> None:
    case = make_case(tree.grid3, cats.child, status=Status.REPORTED)
    client.force_login(dispatcher)
    assert client.post(act(case, Action.ACCEPT), {"version": case.version}).status_code == 404
    assert reload(case).status == Status.REPORTED


def test_actions_are_post_only(client: Any, tree: Any, cats: Any, worker: Any) -> None:
    case = make_case(tree.grid1, cats.child, status=Status.ASSIGNED)
    client.force_login(worker)
    assert client.get(act(case, Action.SIGN)).status_code == 405


# --- Photos ----------------------------------------------------------------------------------


def _photo(case: Case) -> CaseAttachment:
    return CaseAttachment.objects.create(case=case, file=jpeg(), size=100)


def test_photo_is_streamed_to_someone_who_sees_the_case(
    client: Any, tree: Any, cats: Any, worker: Any
) -> None:
    case = make_case(tree.grid1, cats.child)
    att = _photo(case)
    client.force_login(worker)
    response = client.get(reverse("cases:photo", args=[case.pk, att.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert b"".join(response.streaming_content)[:2] == b"\xff\xd8"
    assert (
        reverse("cases:photo", args=[case.pk, att.pk]) in client.get(detail(case)).content.decode()
    )


def test_photo_is_404_for_an_outsider(client: Any, tree: Any, cats: Any, make_user: Any) -> None:
    case = make_case(tree.grid1, cats.child)
    att = _photo(case)
    client.force_login(make_user("outsider", ("grid_worker", tree.grid3)))
    assert client.get(reverse("cases:photo", args=[case.pk, att.pk])).status_code == 404


def test_photo_of_another_case_is_404(client: Any, tree: Any, cats: Any, worker: Any) -> None:
    case = make_case(tree.grid1, cats.child)
    hidden = make_case(tree.grid3, cats.child)
    att = _photo(hidden)
    client.force_login(worker)
    assert client.get(reverse("cases:photo", args=[case.pk, att.pk])).status_code == 404


def test_merge_posts_through_to_the_service(
    client: Any, tree: Any, cats: Any, dispatcher: Any
) -> None:
    target = make_case(tree.grid1, cats.child, status=Status.ACCEPTED)
    case = make_case(tree.grid1, cats.child)
    client.force_login(dispatcher)
    client.post(act(case, Action.MERGE), {"version": case.version, "target": target.number})
    case = reload(case)
    assert case.status == Status.MERGED and case.merged_into == target


def test_merge_into_a_case_outside_the_jurisdiction_is_a_form_error(
    client: Any, tree: Any, cats: Any, dispatcher: Any
) -> None:
    outside = make_case(tree.grid3, cats.child, status=Status.ACCEPTED)
    case = make_case(tree.grid1, cats.child)
    client.force_login(dispatcher)
    response = client.post(
        act(case, Action.MERGE), {"version": case.version, "target": outside.number}
    )
    assert response.status_code == 400
    merge = next(af["form"] for af in response.context["action_forms"] if af["action"] == "merge")
    assert merge.errors["target"]
    assert reload(case).status == Status.REPORTED


def test_staff_records_a_call_back_rating(
    client: Any, tree: Any, cats: Any, dispatcher: Any
) -> None:
    case = make_case(tree.grid1, cats.child, status=Status.CLOSED)
    client.force_login(dispatcher)
    assert 'name="callback"' in client.get(detail(case)).content.decode()
    data = {"version": case.version, "rating": Rating.BASIC, "callback": "on"}
    client.post(act(case, Action.RATE), data)
    assert reload(case).rating == Rating.BASIC
