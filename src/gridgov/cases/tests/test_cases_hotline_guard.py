"""The 12345 import opens uploads through the same guard as the roster imports: a zip bomb, too
many rows, damaged XML, billion laughs and external entities are a clear 400 (or a form error)
on the service, the API and the page; a control character in a cell is a row error."""

# The shared fixtures are imported from intake_builders; pytest injects them by name.
# ruff: noqa: F811

from __future__ import annotations

import io
from datetime import datetime
from typing import Any

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from gridgov.accounts.services import token_issue
from gridgov.cases.importers.hotline import HEADERS, error_report, import_hotline
from gridgov.cases.models import Case
from gridgov.cases.tests.intake_builders import IN_GRID1, _media, cats  # noqa: F401
from gridgov.core.errors import ValidationFailed
from gridgov.core.tests import hostile_xlsx as h

pytestmark = pytest.mark.django_db

HOSTILE = {
    "zip_bomb": (lambda: h.zip_bomb(HEADERS), "file_too_large"),
    "500k_rows": (lambda: h.many_rows(HEADERS, 500_000), "too_many_rows"),
    "damaged": (lambda: h.damaged(HEADERS), "damaged_file"),
    "billion_laughs": (lambda: h.with_prolog(HEADERS, h.BILLION_LAUGHS, "&lol9;"), "unsafe_file"),
    "external_entity": (
        lambda: h.with_prolog(HEADERS, h.EXTERNAL_ENTITY, "&secret;"),
        "unsafe_file",
    ),
}


def values(n: int = 1, **over: Any) -> list[Any]:
    v: dict[str, Any] = {
        "工单编号": f"GD{n:04d}",
        "来电时间": "2025-01-05 09:30",
        "来电人": "王女士",
        "联系电话": "13900000000",
        "诉求类型(分类编码或名称)": "I0101",
        "诉求标题": f"垃圾未清运{n}",
        "诉求内容": "小区门口垃圾三天未清运",
        "发生地址": "凤鸣路1号",
        "经度": IN_GRID1[0],
        "纬度": IN_GRID1[1],
        "所属区域编码": None,
    }
    v.update(over)
    return [v[name] for name in HEADERS]


@pytest.fixture
def importer(tree: Any, make_user: Any) -> Any:
    return make_user("disp", ("dispatcher", tree.street))


@pytest.mark.parametrize("kind", sorted(HOSTILE))
def test_hostile_files_are_refused_by_the_service(cats: Any, importer: Any, kind: str) -> None:
    build, code = HOSTILE[kind]
    with pytest.raises(ValidationFailed) as err:
        import_hotline(actor=importer, data=build())
    assert err.value.code == code and err.value.fields == {"file": err.value.message}
    assert not Case.objects.exists()


def test_the_zip_bomb_message_states_the_row_and_unpacked_limits(cats: Any, importer: Any) -> None:
    with pytest.raises(ValidationFailed) as err:
        import_hotline(actor=importer, data=h.zip_bomb(HEADERS))
    assert "10000" in err.value.message and "100 MB" in err.value.message


def test_too_many_rows_states_the_limit(cats: Any, importer: Any, settings: Any) -> None:
    settings.GRIDGOV_HOTLINE_MAX_ROWS = 3
    data = h.workbook(HEADERS, [values(n) for n in range(1, 5)])
    with pytest.raises(ValidationFailed) as err:
        import_hotline(actor=importer, data=data)
    assert err.value.code == "too_many_rows" and "3" in err.value.message


def test_the_row_limit_counts_data_rows_not_the_header(
    cats: Any, importer: Any, settings: Any
) -> None:
    settings.GRIDGOV_HOTLINE_MAX_ROWS = 3
    data = h.workbook(HEADERS, [values(n) for n in range(1, 4)])
    assert len(import_hotline(actor=importer, data=data).created) == 3


@pytest.mark.parametrize("kind", sorted(HOSTILE))
def test_hostile_files_are_a_400_on_the_api(
    client: Any, cats: Any, importer: Any, kind: str
) -> None:
    build, code = HOSTILE[kind]
    f = io.BytesIO(build())
    f.name = "工单.xlsx"
    _token, raw = token_issue(user=importer)
    r = client.post(
        "/api/v1/cases/import/hotline",
        data={"file": f, "mode": "valid"},
        HTTP_AUTHORIZATION=f"Bearer {raw}",
    )
    assert r.status_code == 400, r.content
    assert r.json()["code"] == code and r.json()["fields"]["file"]
    assert not Case.objects.exists()


@pytest.mark.parametrize("kind", sorted(HOSTILE))
def test_hostile_files_are_a_form_error_on_the_page(
    client: Any, cats: Any, importer: Any, kind: str
) -> None:
    build, _code = HOSTILE[kind]
    f = io.BytesIO(build())
    f.name = "工单.xlsx"
    client.force_login(importer)
    r = client.post(reverse("cases:import"), {"file": f, "mode": "valid"})
    if r.status_code == 302:
        # Found only while the rows are read (a damaged part): the job fails with the reason.
        from gridgov.kernel.imports.models import ImportJob
        from gridgov.kernel.imports.tests.support import run_jobs

        assert run_jobs() == 1
        job = ImportJob.objects.get()
        assert job.status == ImportJob.Status.FAILED and job.message
        assert job.message in client.get(r["Location"]).content.decode()
    else:
        assert r.status_code == 200
        form = r.context["form"]
        assert form.errors.get("file"), form.errors
    assert not Case.objects.exists()


def test_a_control_character_in_a_cell_is_a_row_error(cats: Any, importer: Any) -> None:
    data = h.workbook(
        HEADERS,
        [
            values(1),
            values(2, 来电人="王_x0001_女士"),
            values(3, 诉求内容="垃圾\u0085未清运"),
            values(4, 发生地址="凤鸣路_x0000_1号"),
            values(5, 诉求内容="第一行\n第二行\t完"),
        ],
    )
    result = import_hotline(actor=importer, data=data, mode="valid")
    found = {(e.row, e.column, e.reason.split("（")[-1]) for e in result.errors}
    assert {(row, col) for row, col, _r in found} == {
        (3, "来电人"),
        (4, "诉求内容"),
        (5, "发生地址"),
    }
    assert any("U+0001" in e.reason for e in result.errors)
    assert any("U+0000" in e.reason for e in result.errors)
    assert sorted(c.external_id for c in result.created) == ["GD0001", "GD0005"]
    report = load_workbook(io.BytesIO(error_report(result)), read_only=True).worksheets[0]
    rows = list(report.iter_rows(values_only=True))
    assert rows[1][HEADERS.index("来电人")] == "王女士"  # cleaned, so the sheet can be written


def test_a_control_character_in_the_api_answer_is_a_row_error(
    client: Any, cats: Any, importer: Any
) -> None:
    f = io.BytesIO(h.workbook(HEADERS, [values(1, 诉求标题="标题_x0002_")]))
    f.name = "工单.xlsx"
    _token, raw = token_issue(user=importer)
    r = client.post(
        "/api/v1/cases/import/hotline", data={"file": f}, HTTP_AUTHORIZATION=f"Bearer {raw}"
    )
    assert r.status_code == 200, r.content
    [error] = r.json()["errors"]
    assert (error["row"], error["column"]) == (2, "诉求标题") and "U+0002" in error["reason"]
    assert r.json()["created"] == 0 and r.json()["error_report_base64"]


def test_a_datetime_cell_still_reads_as_a_time(cats: Any, importer: Any) -> None:
    from gridgov.cases.tests.test_cases_hotline import row, xlsx

    result = import_hotline(actor=importer, data=xlsx(row(1, 来电时间=datetime(2025, 2, 1, 8))))
    assert [c.external_id for c in result.created] == ["GD0001"]


def test_the_page_states_the_limits_and_refuses_a_large_file(
    client: Any, cats: Any, importer: Any, monkeypatch: Any
) -> None:
    from gridgov.cases.importers import hotline

    client.force_login(importer)
    page = client.get(reverse("cases:import")).content.decode()
    assert "10000" in page and "20 MB" in page
    monkeypatch.setattr(hotline, "MAX_FILE_BYTES", 1024 * 1024)
    f = io.BytesIO(b"PK" + b"\0" * (1024 * 1024 + 1))
    f.name = "工单.xlsx"
    r = client.post(reverse("cases:import"), {"file": f, "mode": "valid"})
    assert r.status_code == 200 and "1 MB" in r.context["form"].errors["file"][0]


def test_the_api_answers_in_plain_chinese(client: Any, cats: Any, importer: Any) -> None:
    _token, raw = token_issue(user=importer)
    answers = {}
    for kind in ("damaged", "billion_laughs", "zip_bomb"):
        f = io.BytesIO(HOSTILE[kind][0]())
        f.name = "工单.xlsx"
        r = client.post(
            "/api/v1/cases/import/hotline", data={"file": f}, HTTP_AUTHORIZATION=f"Bearer {raw}"
        )
        answers[kind] = r.json()["message"]
    assert "文件已损坏" in answers["damaged"]
    assert "已拒绝" in answers["billion_laughs"]
    assert "10000 行" in answers["zip_bomb"] and "100 MB" in answers["zip_bomb"]
