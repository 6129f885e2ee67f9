"""The report forms (上报, 随手拍, 登记): every problem at once in Chinese, the draft's
idempotency key, and the jurisdiction's outline (outside refused, inside but in no grid → pool)."""

# The shared fixtures are imported from intake_builders; pytest injects them by name.
# ruff: noqa: F811

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.urls import reverse

from gridgov.accounts.services import token_issue
from gridgov.cases.models import Case, IdempotencyRecord
from gridgov.cases.tests.intake_builders import (  # noqa: F401
    IN_GRID1,
    OUTSIDE_GRIDS,
    _media,
    cats,
    image_bytes,
    upload,
)
from gridgov.conftest import TEST_PASSWORD

pytestmark = pytest.mark.django_db

ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}
# Inside China, outside the county's boundary (106.0–106.6 E, 38.3–38.9 N in the test tree).
OUTSIDE_COUNTY = (107.20, 38.50)
REQUIRED_LOCATION = "请在地图上标注位置，或使用当前位置。"
OUTSIDE_TEXT = "该位置不在本辖区（凤城区）范围内。"


def key_of(html: str) -> str:
    m = re.search(r'name="idempotency_key" value="([0-9a-f]+)"', html)
    assert m, "no idempotency key on the form"
    return m.group(1)


def errors_of(html: str) -> list[str]:
    """The messages under the fields (not the summary list at the top)."""
    boxes = re.findall(
        r'<div class="invalid-feedback d-block"[^>]*>((?:<div>.*?</div>)+)</div>', html
    )
    return [m for box in boxes for m in re.findall(r"<div>(.*?)</div>", box)]


def draft(client: Any, url: str, cats: Any, **kw: Any) -> dict[str, Any]:
    page = client.get(url, **ZH)
    data = {
        "idempotency_key": key_of(page.content.decode()),
        "category": str(cats.litter.pk),
        "title": "楼下垃圾没人清",
        "description": "",
        "lon": str(IN_GRID1[0]),
        "lat": str(IN_GRID1[1]),
        "address": "",
    }
    data.update(kw)
    return data


def test_empty_report_shows_every_problem_at_once(client: Any, tree: Any, cats: Any) -> None:
    page = client.get(reverse("cases:report"), **ZH)
    r = client.post(
        reverse("cases:report"), {"idempotency_key": key_of(page.content.decode())}, **ZH
    )
    html = r.content.decode()
    assert r.status_code == 200
    assert errors_of(html) == [
        "请选择问题类别。",
        "请填写标题或问题描述。",
        REQUIRED_LOCATION,
    ]
    assert "请修改以下 3 处问题后再提交：" in html
    assert Case.objects.count() == 0


def test_every_field_gets_its_own_chinese_message(client: Any, tree: Any, cats: Any) -> None:
    data = draft(
        client,
        reverse("cases:report"),
        cats,
        category="999999",
        title="标" * 201,
        description="描" * 5123,
        address="址" * 250,
        reporter_name="名" * 51,
        reporter_phone="12345",
        lon=str(OUTSIDE_COUNTY[0]),
        lat=str(OUTSIDE_COUNTY[1]),
    )
    data["photos"] = [upload(b"not an image", "a.jpg", "image/jpeg")]
    html = client.post(reverse("cases:report"), data, **ZH).content.decode()
    assert errors_of(html) == [
        "所选类别不在列表中，请重新选择。",
        "标题最多 200 字，当前 201 字。",
        "问题描述最多 5000 字，当前 5123 字。",
        "a.jpg：文件不是 JPEG、PNG 或 WebP 图片。",
        OUTSIDE_TEXT,
        "地址或标志性位置最多 200 字，当前 250 字。",
        "反映人姓名最多 50 字，当前 51 字。",
        "请输入 11 位手机号码，或带区号的固定电话。",
    ]
    assert "确保" not in html and "This field" not in html
    assert Case.objects.count() == 0


def test_required_fields_are_marked(client: Any, tree: Any, cats: Any) -> None:
    html = client.get(reverse("cases:report"), **ZH).content.decode()
    category = re.search(r"<select[^>]*name=\"category\"[^>]*>", html)
    assert category and " required" in category.group(0)
    assert 'aria-required="true"' in category.group(0)
    assert '<label class="form-label" for="id_category">事件类别 <span class="text-danger"' in html
    assert '标有 <span class="text-danger">*</span> 的为必填项。' in html


def test_an_invalid_field_points_to_its_message(client: Any, tree: Any, cats: Any) -> None:
    data = draft(client, reverse("cases:report"), cats, title="标" * 201)
    html = client.post(reverse("cases:report"), data, **ZH).content.decode()
    title = re.search(r'<input[^>]*name="title"[^>]*>', html)
    assert title and 'aria-invalid="true"' in title.group(0)
    assert 'aria-describedby="id_title_helptext id_title_error"' in title.group(0)
    assert 'id="id_title_error"' in html and 'id="id_title_helptext"' in html


def test_quick_report_shows_every_problem_at_once(
    client: Any, tree: Any, cats: Any, make_user: Any
) -> None:
    make_user("w1", ("grid_worker", tree.grid1))
    client.login(username="w1", password=TEST_PASSWORD)
    data = draft(client, reverse("cases:quick"), cats, category="", title="", lon="", lat="")
    data["resolved_on_spot"] = "on"
    html = client.post(reverse("cases:quick"), data, **ZH).content.decode()
    assert errors_of(html) == [
        "请选择问题类别。",
        "请填写标题或问题描述。",
        REQUIRED_LOCATION,
        "请填写处置情况。",
    ]


def test_staff_entry_shows_every_problem_at_once(
    client: Any, tree: Any, cats: Any, make_user: Any
) -> None:
    make_user("disp", ("dispatcher", tree.county))
    client.login(username="disp", password=TEST_PASSWORD)
    data = draft(
        client, reverse("cases:new"), cats, source="nope", lon="东经", lat="", area="", title=""
    )
    data["description"] = "描" * 5001
    html = client.post(reverse("cases:new"), data, **ZH).content.decode()
    assert errors_of(html) == [
        "所选来源不在列表中，请重新选择。",
        "问题描述最多 5000 字，当前 5001 字。",
        "经度须为数字。",
    ]
    assert Case.objects.count() == 0


def test_the_key_stays_on_a_form_shown_again_with_errors(client: Any, tree: Any, cats: Any) -> None:
    data = draft(client, reverse("cases:report"), cats, category="")
    html = client.post(reverse("cases:report"), data, **ZH).content.decode()
    assert key_of(html) == data["idempotency_key"]


def test_a_new_form_gets_a_new_key(client: Any, tree: Any, cats: Any) -> None:
    first = key_of(client.get(reverse("cases:report")).content.decode())
    second = key_of(client.get(reverse("cases:report")).content.decode())
    assert first != second


def test_the_form_page_may_be_kept_for_back(client: Any, tree: Any) -> None:
    """Back shows the submitted draft (with its key) only if the browser may keep the page."""
    r = client.get(reverse("cases:report"))
    assert "no-store" not in r["Cache-Control"] and "no-cache" in r["Cache-Control"]
    assert "private" in r["Cache-Control"]


def test_back_and_submit_again_shows_the_same_case(client: Any, tree: Any, cats: Any) -> None:
    data = draft(client, reverse("cases:report"), cats, description="楼下堆了一周")
    data["photos"] = [upload(image_bytes("PNG"), "a.png", "image/png")]
    first = client.post(reverse("cases:report"), data, **ZH)
    case = Case.objects.get()
    # Back restores the text but not the chosen photo: the draft was submitted, so its case
    # is the answer, neither an error nor a second case.
    data.pop("photos")
    again = client.post(reverse("cases:report"), data, follow=True, **ZH)
    assert Case.objects.count() == 1
    assert first["Location"] == reverse("cases:receipt", args=[case.token])
    assert again.redirect_chain[0][0] == first["Location"]
    assert f"此次上报已提交过，编号 {case.number}，未重复登记。" in again.content.decode()


def test_a_submitted_draft_sent_again_half_empty_shows_its_case(
    client: Any, tree: Any, cats: Any
) -> None:
    """Back may lose some fields (the map's point, a choice): the draft's case is the answer."""
    data = draft(client, reverse("cases:report"), cats)
    first = client.post(reverse("cases:report"), data)
    again = client.post(
        reverse("cases:report"), {"idempotency_key": data["idempotency_key"], "category": ""}
    )
    assert Case.objects.count() == 1 and again["Location"] == first["Location"]


def test_a_double_post_makes_one_case(client: Any, tree: Any, cats: Any) -> None:
    data = draft(client, reverse("cases:report"), cats)
    one = client.post(reverse("cases:report"), data)
    two = client.post(reverse("cases:report"), data)
    assert Case.objects.count() == 1 and IdempotencyRecord.objects.count() == 1
    assert one["Location"] == two["Location"]


def test_staff_double_post_makes_one_case(
    client: Any, tree: Any, cats: Any, make_user: Any
) -> None:
    make_user("disp", ("dispatcher", tree.county))
    client.login(username="disp", password=TEST_PASSWORD)
    data = draft(client, reverse("cases:new"), cats, source="phone")
    one = client.post(reverse("cases:new"), data)
    two = client.post(reverse("cases:new"), data)
    assert Case.objects.count() == 1 and one["Location"] == two["Location"]


def test_web_point_outside_the_county_is_refused(client: Any, tree: Any, cats: Any) -> None:
    data = draft(
        client,
        reverse("cases:report"),
        cats,
        lon=str(OUTSIDE_COUNTY[0]),
        lat=str(OUTSIDE_COUNTY[1]),
    )
    html = client.post(reverse("cases:report"), data, **ZH).content.decode()
    assert errors_of(html) == [OUTSIDE_TEXT]
    assert Case.objects.count() == 0 and IdempotencyRecord.objects.count() == 0


def test_web_point_in_the_county_in_no_grid_goes_to_the_pool(
    client: Any, tree: Any, cats: Any
) -> None:
    data = draft(
        client, reverse("cases:report"), cats, lon=str(OUTSIDE_GRIDS[0]), lat=str(OUTSIDE_GRIDS[1])
    )
    client.post(reverse("cases:report"), data)
    case = Case.objects.get()
    assert case.area == tree.county and case.outside_grids


def test_api_point_outside_the_county_is_refused(
    client: Any, tree: Any, cats: Any, make_user: Any
) -> None:
    user = make_user("disp", ("dispatcher", tree.county))
    _token, raw = token_issue(user=user)
    body = {
        "source": "phone",
        "category": cats.litter.pk,
        "title": "路边垃圾",
        "lon": OUTSIDE_COUNTY[0],
        "lat": OUTSIDE_COUNTY[1],
    }
    r = client.post(
        "/api/v1/cases/report",
        data=json.dumps(body),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {raw}",
        HTTP_IDEMPOTENCY_KEY="k1",
        **ZH,
    )
    assert r.status_code == 400
    assert r.json()["code"] == "outside_jurisdiction"
    assert r.json()["fields"]["location"] == OUTSIDE_TEXT
    assert Case.objects.count() == 0 and IdempotencyRecord.objects.count() == 0


def test_without_any_boundary_nothing_is_refused(tree: Any) -> None:
    """No boundary drawn at county level or below: nobody can tell, the pool takes it."""
    from gridgov.areas import geo
    from gridgov.areas.models import Area
    from gridgov.cases.routing import locate

    Area.objects.filter(level__gte=3).update(geometry=None)
    geo.locator.reset()
    assert locate(lon=OUTSIDE_COUNTY[0], lat=OUTSIDE_COUNTY[1]) == (tree.county, True)


def test_grids_make_the_outline_when_the_county_has_none(tree: Any) -> None:
    from gridgov.areas import geo
    from gridgov.areas.models import Area
    from gridgov.cases.routing import locate
    from gridgov.core.errors import ValidationFailed

    Area.objects.filter(pk=tree.county.pk).update(geometry=None)
    geo.locator.reset()
    with pytest.raises(ValidationFailed) as err:
        locate(lon=OUTSIDE_GRIDS[0], lat=OUTSIDE_GRIDS[1])
    assert err.value.code == "outside_jurisdiction"
    # A GPS fix a few metres beside a grid still counts as inside (the pool takes it).
    assert locate(lon=106.2201, lat=38.505) == (tree.county, True)


def test_api_answers_every_problem_at_once(
    client: Any, tree: Any, cats: Any, make_user: Any
) -> None:
    user = make_user("disp", ("dispatcher", tree.county))
    _token, raw = token_issue(user=user)
    body = {
        "source": "phone",
        "category": cats.litter.pk,
        "title": "标" * 201,
        "reporter_phone": "12345",
        "lon": OUTSIDE_COUNTY[0],
        "lat": OUTSIDE_COUNTY[1],
    }
    r = client.post(
        "/api/v1/cases/report",
        data=json.dumps(body),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {raw}",
        **ZH,
    )
    assert r.status_code == 400
    assert r.json()["fields"] == {
        "title": "标题最多 200 字，当前 201 字。",
        "reporter_phone": "请输入 11 位手机号码，或带区号的固定电话。",
        "location": OUTSIDE_TEXT,
    }
    assert Case.objects.count() == 0
