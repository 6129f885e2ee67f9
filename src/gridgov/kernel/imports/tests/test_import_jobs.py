"""Kernel import jobs: one job per submission (retries never import twice), the two modes,
the error sheet, the worker, and who may see a job — for 12345, rosters and party members."""

from __future__ import annotations

import io
from datetime import datetime
from typing import Any

import pytest
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from gridgov.accounts.services import token_issue
from gridgov.cases.importers.hotline import HEADERS
from gridgov.cases.models import Case
from gridgov.cases.tests.intake_builders import IN_GRID1
from gridgov.core.errors import NotFound, PermissionDenied, ValidationFailed
from gridgov.kernel.imports import registry, selectors, services
from gridgov.kernel.imports.models import ImportJob
from gridgov.kernel.imports.tests.support import run_jobs, run_worker
from gridgov.party.models import PartyMember

pytestmark = pytest.mark.django_db


def order(n: int, **over: Any) -> list[Any]:
    values = {
        "工单编号": f"GD{n:04d}",
        "来电时间": datetime(2025, 1, 5, 9, 30),
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
    values.update(over)
    return [values[h] for h in HEADERS]


def book(headers: list[str], *rows: list[Any]) -> bytes:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(headers)
    for r in rows:
        ws.append(r)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


@pytest.fixture
def importer(tree: Any, make_user: Any) -> Any:
    return make_user("disp", ("dispatcher", tree.street))


def start(actor: Any, data: bytes, mode: str = "valid", **kw: Any) -> ImportJob:
    return services.job_start(
        actor=actor, kind="hotline", filename="工单.xlsx", data=data, mode=mode, **kw
    )


def test_every_import_is_a_registered_kind() -> None:
    keys = {k.key for k in registry.all_kinds()}
    assert {"residents", "buildings", "tags", "party_members", "hotline"} <= keys
    with pytest.raises(NotFound):
        registry.get("nope")


def test_a_hotline_upload_waits_for_the_worker(cats: Any, importer: Any) -> None:
    job = start(importer, book(HEADERS, order(1), order(2)))
    assert job.status == ImportJob.Status.PENDING and job.total_rows == 2
    assert not Case.objects.exists()
    assert run_jobs() == 1
    job.refresh_from_db()
    assert (job.status, job.created_count, job.error_count) == ("done", 2, 0)
    assert job.processed_rows == 2 and job.content == b""
    assert sorted(job.result["numbers"]) == sorted(Case.objects.values_list("number", flat=True))


def test_the_same_file_twice_is_one_job_and_no_duplicate_cases(cats: Any, importer: Any) -> None:
    data = book(HEADERS, order(1), order(2))
    first = start(importer, data)
    again = start(importer, data)  # a double click, a refreshed POST: before the worker ran
    assert again.pk == first.pk
    run_jobs()
    third = start(importer, data)  # and after it finished
    assert third.pk == first.pk and ImportJob.objects.count() == 1
    assert run_jobs() == 0 and Case.objects.count() == 2
    # Another mode is another submission; its rows are already imported, so no new cases.
    other = start(importer, data, mode="all")
    assert other.pk != first.pk
    run_jobs()
    other.refresh_from_db()
    assert Case.objects.count() == 2 and other.created_count == 0
    assert other.result["existing"] == 2 or other.error_count == 2


def test_import_again_on_purpose_makes_a_new_job(cats: Any, importer: Any) -> None:
    data = book(HEADERS, order(1))
    first = start(importer, data)
    run_jobs()
    second = start(importer, data, again=True)
    assert second.pk != first.pk and ImportJob.objects.count() == 2
    run_jobs()
    assert Case.objects.count() == 1  # the work-order number keeps it idempotent too
    assert start(importer, data).pk == second.pk


def test_the_same_client_token_returns_the_first_job(cats: Any, importer: Any) -> None:
    first = start(importer, book(HEADERS, order(1)), client_token="t-1")
    second = start(importer, book(HEADERS, order(1), order(2)), client_token="t-1")
    assert second.pk == first.pk and ImportJob.objects.count() == 1


def test_valid_rows_imports_the_good_ones_all_or_nothing_none(cats: Any, importer: Any) -> None:
    rows = (order(1), order(2, **{"诉求类型(分类编码或名称)": "nope"}), order(3))
    valid = start(importer, book(HEADERS, *rows))
    run_jobs()
    valid.refresh_from_db()
    assert (valid.created_count, valid.error_count, valid.not_imported) == (2, 1, 0)
    assert set(Case.objects.values_list("external_id", flat=True)) == {"GD0001", "GD0003"}
    Case.objects.all().delete()  # (the work-order numbers would make the rest "imported")

    rows_b = (order(4), order(5, **{"诉求类型(分类编码或名称)": "nope"}), order(6))
    whole = start(importer, book(HEADERS, *rows_b), mode="all")
    run_jobs()
    whole.refresh_from_db()
    assert (whole.created_count, whole.error_count, whole.not_imported) == (0, 1, 2)
    assert "1" in whole.message and not Case.objects.exists()


def test_the_error_sheet_has_the_rows_as_uploaded_with_the_reasons(
    cats: Any, importer: Any
) -> None:
    bad = order(2, **{"诉求类型(分类编码或名称)": "nope", "经度": "x"})
    job = start(importer, book(HEADERS, order(1), bad))
    run_jobs()
    errors = selectors.job_errors(actor=importer, pk=job.pk)
    assert {(e["row"], e["column"]) for e in errors} == {
        (3, "诉求类型(分类编码或名称)"),
        (3, "经度"),
    }
    assert all(e["reason"] for e in errors)
    ws = load_workbook(io.BytesIO(selectors.job_error_sheet(actor=importer, pk=job.pk))).active
    assert ws is not None
    rows = list(ws.iter_rows(values_only=True))
    assert len(rows) == 2 and rows[1][0] == "GD0002" and rows[1][-1] == 3
    assert "诉求类型" in str(rows[1][len(HEADERS)]) and "经度" in str(rows[1][len(HEADERS)])


def test_a_per_file_problem_makes_no_job(cats: Any, importer: Any) -> None:
    with pytest.raises(ValidationFailed) as err:
        start(importer, b"not excel")
    assert err.value.code == "not_excel" and not ImportJob.objects.exists()
    with pytest.raises(ValidationFailed):
        start(importer, book(HEADERS, order(1)), mode="some")


def test_only_importers_start_a_job(cats: Any, tree: Any, make_user: Any) -> None:
    worker = make_user("w1", ("grid_worker", tree.grid1))
    with pytest.raises(PermissionDenied):
        start(worker, book(HEADERS, order(1)))
    assert not ImportJob.objects.exists()


def test_a_failed_job_runs_again_when_retried(cats: Any, importer: Any, monkeypatch: Any) -> None:
    from gridgov.cases.importers import hotline

    data = book(HEADERS, order(1))
    real = hotline.import_hotline

    def broken(**kw: Any) -> Any:
        raise RuntimeError("database went away")

    monkeypatch.setattr(hotline, "import_hotline", broken)
    job = start(importer, data)
    run_jobs()
    job.refresh_from_db()
    assert job.status == "failed" and job.message and job.content  # the file is kept
    monkeypatch.setattr(hotline, "import_hotline", real)
    again = start(importer, data)  # sending the same file again retries the same job
    assert again.pk == job.pk and again.status == "pending"
    run_jobs()
    job.refresh_from_db()
    assert job.status == "done" and Case.objects.count() == 1
    assert services.job_retry(actor=importer, pk=job.pk).status == "done"  # nothing twice
    assert run_jobs() == 0 and Case.objects.count() == 1


def test_a_task_delivered_twice_imports_once(cats: Any, importer: Any) -> None:
    from gridgov.kernel.imports.tasks import run_import_job

    job = start(importer, book(HEADERS, order(1)))
    run_import_job.call(job_id=job.pk)
    run_import_job.call(job_id=job.pk)
    assert Case.objects.count() == 1


@pytest.mark.django_db(transaction=True)  # real commits: the worker closes its connection
def test_the_worker_runs_the_enqueued_job(cats: Any, importer: Any) -> None:
    job = start(importer, book(HEADERS, order(1)))  # enqueued on commit
    assert job.status == "pending"
    run_worker()
    job.refresh_from_db()
    assert job.status == "done" and job.started_at and job.finished_at
    assert Case.objects.count() == 1


# --- Who sees a job ---------------------------------------------------------------------------


def test_another_users_job_is_not_found(cats: Any, importer: Any, tree: Any, make_user: Any):
    job = start(importer, book(HEADERS, order(1)))
    other = make_user("disp2", ("dispatcher", tree.street))
    with pytest.raises(NotFound):
        selectors.job_get_for(actor=other, pk=job.pk)
    with pytest.raises(NotFound):
        services.job_retry(actor=other, pk=job.pk)


def party_book(name: str, number: str) -> bytes:
    from gridgov.party.excel import HEADERS as PARTY_HEADERS

    return book(PARTY_HEADERS, [name, number, "", "", "正式党员", "2005-07-01", "2006-07-01"])


def test_a_party_job_belongs_to_the_organisations_area(
    orgs: Any, new_id: Any, tree: Any, make_user: Any
) -> None:
    staff = make_user("staff", ("community_staff", tree.community))
    job = services.job_start(
        actor=staff,
        kind="party_members",
        filename="m.xlsx",
        data=party_book("甲", new_id()),
        mode="valid",
        params={"org": orgs.branch1.pk},
    )
    assert job.area == orgs.branch1.area and job.status == "done"
    assert PartyMember.objects.count() == 1
    # Staff of another community can import neither into this organisation …
    other = make_user("other", ("community_staff", tree.village))
    with pytest.raises((NotFound, PermissionDenied)):
        services.job_start(
            actor=other,
            kind="party_members",
            filename="m.xlsx",
            data=party_book("乙", new_id()),
            mode="valid",
            params={"org": orgs.branch1.pk},
        )
    # … nor see a job of theirs that belongs to an area outside their jurisdiction.
    foreign = ImportJob.objects.create(
        kind="party_members",
        mode="valid",
        actor=other,
        area=orgs.branch1.area,
        filename="m.xlsx",
        content=b"",
        status=ImportJob.Status.DONE,
    )
    with pytest.raises(NotFound):
        selectors.job_get_for(actor=other, pk=foreign.pk)


def test_job_pages_and_api_answer_404_for_another_areas_job(
    client: Any, orgs: Any, tree: Any, make_user: Any
) -> None:
    other = make_user("other", ("community_staff", tree.village))
    foreign = ImportJob.objects.create(
        kind="party_members",
        mode="valid",
        actor=other,
        area=orgs.branch1.area,
        filename="m.xlsx",
        content=b"",
        status=ImportJob.Status.DONE,
        error_count=1,
        error_sheet=b"PK",
    )
    client.force_login(other)
    assert client.get(reverse("imports:job", args=[foreign.pk])).status_code == 404
    assert client.get(reverse("imports:errors", args=[foreign.pk])).status_code == 404
    _t, raw = token_issue(user=other)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    assert client.get(f"/api/v1/imports/jobs/{foreign.pk}", **auth).status_code == 404
    assert client.get(f"/api/v1/imports/jobs/{foreign.pk}/errors", **auth).status_code == 404


# --- The generic API --------------------------------------------------------------------------


def test_api_upload_answers_at_once_and_a_retry_gets_the_same_job(
    client: Any, cats: Any, importer: Any
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    _t, raw = token_issue(user=importer)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    data = book(HEADERS, order(1), order(2, **{"诉求类型(分类编码或名称)": "nope"}))

    def post() -> Any:
        upload = SimpleUploadedFile("工单.xlsx", data)
        return client.post(
            "/api/v1/imports/jobs", {"file": upload, "kind": "hotline", "mode": "valid"}, **auth
        )

    first = post()
    assert first.status_code == 201, first.content
    assert first.json()["status"] == "pending" and not Case.objects.exists()
    second = post()
    assert second.status_code == 200 and second.json()["id"] == first.json()["id"]
    run_jobs()
    job = client.get(f"/api/v1/imports/jobs/{first.json()['id']}", **auth).json()
    assert (job["status"], job["created"], job["errors"], job["percent"]) == ("done", 1, 1, 100)
    errors = client.get(f"/api/v1/imports/jobs/{job['id']}/errors?format=json", **auth).json()
    assert [(e["row"], e["column"]) for e in errors] == [(3, "诉求类型(分类编码或名称)")]
    assert Case.objects.count() == 1
    listed = client.get("/api/v1/imports/jobs?kind=hotline", **auth).json()
    assert [j["id"] for j in listed] == [job["id"]]


def test_the_old_hotline_api_answers_as_before_with_the_job(
    client: Any, cats: Any, importer: Any
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    _t, raw = token_issue(user=importer)
    data = book(HEADERS, order(1))
    answers = [
        client.post(
            "/api/v1/cases/import/hotline",
            {"file": SimpleUploadedFile("工单.xlsx", data), "mode": "valid"},
            HTTP_AUTHORIZATION=f"Bearer {raw}",
        ).json()
        for _ in range(2)
    ]
    assert answers[0]["created"] == 1 and answers[0]["job_id"]
    assert answers[1] == answers[0]  # the retried request gets the same answer
    assert Case.objects.count() == 1 and ImportJob.objects.count() == 1


# --- Rosters and party members through the same jobs ------------------------------------------


def test_a_roster_file_sent_twice_is_one_job_and_no_duplicate_people(
    tree: Any, make_user: Any
) -> None:
    from gridgov.rosters.models import Household, Resident
    from gridgov.rosters.services import imports
    from gridgov.rosters.tests.excel_support import person, workbook

    worker = make_user("worker", ("grid_worker", tree.grid1))
    data = workbook("residents", [person(tree.grid1, 姓名="王建国")])

    def send(**kw: Any) -> ImportJob:
        return imports.import_start(
            actor=worker, kind="residents", filename="p.xlsx", data=data, mode="valid", **kw
        )

    first = send()
    assert first.status == "done" and first.created_count == 1
    assert send().pk == first.pk and ImportJob.objects.count() == 1
    assert Resident.objects.count() == 1 and Household.objects.count() == 1
    again = send(again=True)  # on purpose: the same people are updated, never doubled
    assert again.pk != first.pk and (again.created_count, again.updated_count) == (0, 1)
    assert Resident.objects.count() == 1


def test_the_party_page_and_api_run_through_one_job(
    client: Any, orgs: Any, new_id: Any, tree: Any, make_user: Any
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    staff = make_user("staff", ("community_staff", tree.community))
    data = party_book("甲", new_id())
    client.force_login(staff)
    r = client.post(
        reverse("party:member_import"),
        {"org": orgs.branch1.pk, "mode": "valid", "file": SimpleUploadedFile("m.xlsx", data)},
    )
    job = ImportJob.objects.get()
    assert r.status_code == 302 and r["Location"] == reverse("imports:job", args=[job.pk])
    assert (job.kind, job.area, job.created_count) == ("party_members", orgs.branch1.area, 1)
    _t, raw = token_issue(user=staff)
    answer = client.post(
        "/api/v1/party/members/import",
        {"org": orgs.branch1.pk, "mode": "valid", "file": SimpleUploadedFile("m.xlsx", data)},
        HTTP_AUTHORIZATION=f"Bearer {raw}",
    ).json()
    assert answer["job_id"] == job.pk and answer["created"] == 1  # the same submission
    assert PartyMember.objects.count() == 1 and ImportJob.objects.count() == 1


def test_the_hotline_page_shows_the_earlier_job_unless_asked_to_import_again(
    client: Any, cats: Any, importer: Any
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(importer)
    data = book(HEADERS, order(1))

    def post(**extra: Any) -> Any:
        body = {"file": SimpleUploadedFile("工单.xlsx", data), "mode": "valid", **extra}
        return client.post(reverse("cases:import"), body)

    first = post()
    assert first.status_code == 302
    run_jobs()
    assert post()["Location"] == first["Location"]
    again = post(again="on")
    assert again.status_code == 302 and again["Location"] != first["Location"]
    assert ImportJob.objects.count() == 2
    run_jobs()
    assert Case.objects.count() == 1
    page = client.get(reverse("cases:import")).content.decode()
    assert page.count(reverse("imports:job", args=[ImportJob.objects.first().pk])) == 1


def test_the_daily_tidy_up_frees_stuck_jobs_and_old_uploads(cats: Any, importer: Any) -> None:
    from datetime import timedelta

    from django.utils import timezone

    now = timezone.now()
    data = book(HEADERS, order(1))
    job = start(importer, data)
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.RUNNING, started_at=now - timedelta(hours=2)
    )
    assert services.jobs_tidy(now=now)["interrupted"] == 1
    job.refresh_from_db()
    assert job.status == "failed" and job.content  # the file stays for the retry
    assert start(importer, data).pk == job.pk  # sending it again reruns it
    run_jobs()
    job.refresh_from_db()
    assert job.status == "done" and Case.objects.count() == 1

    old = start(importer, book(HEADERS, order(2)))
    ImportJob.objects.filter(pk=old.pk).update(
        status=ImportJob.Status.FAILED, finished_at=now - timedelta(days=8)
    )
    assert services.jobs_tidy(now=now)["purged"] == 1
    old.refresh_from_db()
    assert old.content == b"" and old.dedup_key == ""
    assert start(importer, book(HEADERS, order(2))).pk != old.pk
