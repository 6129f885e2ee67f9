"""Roster journeys in Chromium (issue 4, item 11).

1. A grid worker downloads the resident template, imports a file with two bad rows
   (「只导入正确的行」), fixes them from the downloaded error sheet and uploads them again;
   re-importing the whole file updates and never duplicates. They find a resident by name and
   by exact ID number and see the ID and mobile numbers masked — the clear numbers are nowhere
   in the page. An authorised leader unmasks them with a reason (refused without one) and
   exports the grid's list masked; the street's administrator finds the unmasked view in the
   audit log. A grid worker of the neighbouring grid finds nothing and
   gets a 404 for the resident's page.
2. The building view (units × floors × rooms with occupancy), the grid portrait and the party
   organisation tree, for the guides' screenshots.

Each person works in a browser context of their own (``open_page``); steps the journey is not
about are taken through the real services. Screenshots: ``rosters-*`` and ``party-*``.
"""

from __future__ import annotations

import importlib
import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.utils import translation
from openpyxl import load_workbook
from stdnum.cn import ric

from gridgov.audit.models import AuditEntry, Event
from gridgov.conftest import TEST_PASSWORD
from gridgov.core.excel import ERROR_HEADERS
from gridgov.kernel.imports.models import ImportJob
from gridgov.rosters import idnumbers
from gridgov.rosters.excel.residents import HEADERS
from gridgov.rosters.models import Household, Resident, TagType

from .conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

UNKNOWN_GRID = "640110001001099"  # a well-formed grid code that does not exist
PHONE = "13812341234"
MASKED_PHONE = "138****1234"


@pytest.fixture
def tag_types(db: Any) -> None:
    """The seeded special groups. Transactional tests flush the database after each test, which
    also removes the data migration's rows, so seed again (the seed skips existing codes)."""
    from django.apps import apps

    importlib.import_module("gridgov.rosters.migrations.0002_seed_tag_types").seed(apps, None)


def sign_in(page: Any, base: str, login: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_login", login)
    page.fill("#id_password", TEST_PASSWORD)
    page.click("#gg-login-form button[type=submit]")
    page.wait_for_url(f"{base}/")


def no_error(page: Any) -> None:
    """Fail with the page's own message when it shows an error."""
    alerts = page.locator(".alert-danger, .invalid-feedback")
    if alerts.count():
        raise AssertionError(f"{page.url}: {alerts.all_inner_texts()}")


def zh(text: Any) -> str:
    with translation.override("zh-hans"):
        return str(text)


def id_number(birth: date, seq: int, region: str = "640121") -> str:
    """A valid ID number (born in 永宁县, which python-stdnum knows for every year)."""
    body = f"{region}{birth:%Y%m%d}{seq:03d}"
    return body + ric.calc_check_digit(body + "0")


def wrong_check_digit(number: str) -> str:
    digits = "0123456789X"
    return number[:-1] + digits[(digits.index(number[-1]) + 1) % len(digits)]


# --- the roster file -----------------------------------------------------------------------------

A = ("户籍", "凤鸣路8号1号楼1单元101室")
B = ("常住", "凤鸣路8号1号楼2单元302室")
C = ("户籍", "凤鸣路10号5号楼1单元201室")
D = ("流动", "凤鸣路10号6号楼3单元602室")
LI_ID = id_number(date(1968, 3, 14), 11)


def person(
    grid: str, household: tuple[str, str], relation: str, name: str, number: str, **more: str
) -> list[Any]:
    """One row in the template's column order (household columns repeated on each row)."""
    row = {
        "所属网格编码": grid,
        "户编号": "",
        "户类型": household[0],
        "住址": household[1],
        "小区": "",
        "楼栋": "",
        "单元": "",
        "房号": "",
        "与户主关系": relation,
        "姓名": name,
        "身份证号": number,
        "民族": more.get("ethnicity", "汉族"),
        "联系电话": more.get("phone", ""),
        "政治面貌": more.get("political", "群众"),
        "人口类型": more.get("rtype", "户籍人口"),
        "迁入日期": more.get("moved_in", "2015-06-01"),
    }
    assert list(row) == list(HEADERS)
    return list(row.values())


def roster_rows(grid1: str) -> tuple[list[list[Any]], dict[int, tuple[int, str]]]:
    """Seven people in four households; the rows at Excel rows 4 and 8 are wrong, and how to
    correct them: {Excel row: (column index, right value)}."""
    zhou_id = id_number(date(1990, 7, 2), 24)
    rows = [
        person(grid1, A, "户主", "李建国", LI_ID, phone=PHONE, political="中共党员"),
        person(grid1, A, "配偶", "王秀兰", id_number(date(1970, 9, 8), 12)),
        person(grid1, C, "户主", "周晓燕", wrong_check_digit(zhou_id), phone="13900002222"),
        person(grid1, A, "子", "李明", id_number(date(1995, 1, 20), 13), political="共青团员"),
        person(grid1, B, "户主", "赵志强", id_number(date(1982, 11, 5), 21), rtype="常住人口"),
        person(grid1, B, "配偶", "孙丽", id_number(date(1984, 4, 30), 22), rtype="常住人口"),
        person(
            UNKNOWN_GRID,
            D,
            "户主",
            "吴天明",
            id_number(date(1979, 12, 1), 31),
            ethnicity="回族",
            rtype="流动人口",
        ),
    ]
    fixes = {4: (HEADERS.index("身份证号"), zhou_id), 8: (HEADERS.index("所属网格编码"), grid1)}
    return rows, fixes


def write_sheet(path: Path, template: Path, rows: list[list[Any]]) -> Path:
    """Fill the downloaded template (its example row replaced), every value as text, as a
    worker pasting into the template would."""
    wb = load_workbook(template)
    ws = wb.worksheets[0]
    for cell in ws[2]:
        cell.value = None
    for r, values in enumerate(rows, start=2):
        for c, value in enumerate(values, start=1):
            cell = ws.cell(row=r, column=c, value=value if value != "" else None)
            cell.number_format = "@"
    wb.save(path)
    return path


def upload(page: Any, base: str, path: Path, mode: str = "valid") -> ImportJob:
    """Upload on the import page and wait for the job page; return the finished job."""
    page.goto(f"{base}/rosters/import/")
    page.select_option("#id_kind", "residents")
    page.set_input_files("#id_file", str(path))
    page.check(f"input[name=mode][value={mode}]")
    with page.expect_navigation():
        page.click("[data-testid=import-form] button[type=submit]")
    page.wait_for_url(re.compile(r".*/rosters/import/\d+/$"))
    page.locator("[data-testid=job-done]").wait_for()
    pk = int(page.url.rstrip("/").rsplit("/", 1)[-1])
    return ImportJob.objects.get(pk=pk)


def counts(page: Any) -> list[int]:
    """The numbers in the job's result box (rows read, created, updated, with problems)."""
    text = page.locator("[data-testid=job-done]").inner_text()
    return [int(n) for n in re.findall(r"\d+", text)][:4]


def search(page: Any, base: str, q: str) -> Any:
    page.goto(f"{base}/rosters/residents/")
    page.fill("#id_q", q)
    with page.expect_navigation():
        page.click("form[role=search] button[type=submit]")
    no_error(page)
    return page.locator("a.list-group-item[href*='/rosters/residents/']")


# --- 1. Import, fix, find, unmask, audit, isolation ----------------------------------------------


def test_import_fix_find_unmask_audit(
    live_server: Any, open_page: Any, tree: Any, make_user: Any, tag_types: None, tmp_path: Path
) -> None:
    make_user("wang", ("grid_worker", tree.grid1), display_name="王网格")
    leader_user = make_user("liu", ("leader", tree.street), display_name="刘领导")
    make_user("zhou", ("admin", tree.street), display_name="周管理")
    make_user("zhao", ("grid_worker", tree.grid2), display_name="赵网格")
    base = live_server.url
    grid1 = tree.grid1.code

    # The grid worker downloads the resident template: an .xlsx with the Chinese header row.
    worker = open_page("desktop")
    sign_in(worker, base, "wang")
    worker.goto(f"{base}/rosters/import/")
    with worker.expect_download() as info:
        worker.click("[data-testid=templates] a[href$='/import/template/residents/']")
    download = info.value
    assert download.suggested_filename.endswith(".xlsx")
    template = tmp_path / download.suggested_filename
    download.save_as(template)
    assert template.read_bytes()[:2] == b"PK"  # a zip container, i.e. a real .xlsx
    sheet = load_workbook(template).worksheets[0]
    assert [c.value for c in sheet[1]][: len(HEADERS)] == list(HEADERS)
    assert sheet.cell(row=2, column=HEADERS.index("姓名") + 1).value  # the example row

    # It fills the template with seven people, two of them wrong, and imports the valid rows.
    rows, fixes = roster_rows(grid1)
    first = write_sheet(tmp_path / "居民花名册.xlsx", template, rows)
    worker.goto(f"{base}/rosters/import/")
    worker.select_option("#id_kind", "residents")
    worker.set_input_files("#id_file", str(first))
    worker.check("input[name=mode][value=valid]")
    screenshot(worker, "rosters-import")
    job = upload(worker, base, first)
    assert job.status == ImportJob.Status.DONE
    assert (job.total_rows, job.created_count, job.updated_count, job.error_count) == (7, 5, 0, 2)
    assert counts(worker) == [7, 5, 0, 2]
    assert Resident.objects.count() == 5
    screenshot(worker, "rosters-import-result")

    # The error sheet names each bad row, its column (the Chinese header) and the reason.
    with worker.expect_download() as info:
        worker.click("[data-testid=error-sheet]")
    errors_path = tmp_path / "errors.xlsx"
    info.value.save_as(errors_path)
    ws = load_workbook(errors_path).worksheets[0]
    table = [[c.value for c in row] for row in ws.iter_rows()]
    assert table[0] == [*HEADERS, *ERROR_HEADERS]
    n = len(HEADERS)
    found = {int(r[n]): (r[n + 1], r[n + 2], r[:n]) for r in table[1:]}
    assert set(found) == {4, 8}
    column, reason, _values = found[4]
    assert column == "身份证号"
    assert reason == zh(idnumbers.id_problem(rows[2][HEADERS.index("身份证号")]))
    column, reason, _values = found[8]
    assert column == "所属网格编码"
    assert UNKNOWN_GRID in reason
    # … and repeats the rows as uploaded, so they can be corrected in place.
    assert found[4][2][HEADERS.index("姓名")] == "周晓燕"
    assert found[8][2][HEADERS.index("姓名")] == "吴天明"

    # It corrects the two cells in the error sheet itself (right ID number, right grid code),
    # deletes the three error columns and uploads the sheet again.
    book = load_workbook(errors_path)
    ws = book.worksheets[0]
    for r in range(2, ws.max_row + 1):
        excel_row = int(ws.cell(row=r, column=n + 1).value)
        index, right = fixes[excel_row]
        ws.cell(row=r, column=index + 1, value=right)
        rows[excel_row - 2] = ["" if c.value is None else c.value for c in ws[r]][:n]
    ws.delete_cols(n + 1, len(ERROR_HEADERS))
    corrected = tmp_path / "错误清单-已更正.xlsx"
    book.save(corrected)
    job = upload(worker, base, corrected)
    assert (job.created_count, job.updated_count, job.error_count) == (2, 0, 0)
    assert counts(worker) == [2, 2, 0, 0]
    assert worker.locator("[data-testid=error-sheet]").count() == 0
    assert Resident.objects.count() == 7

    # Importing the whole corrected file again updates everyone and creates no duplicates.
    job = upload(worker, base, write_sheet(tmp_path / "居民花名册-全部.xlsx", template, rows))
    assert (job.total_rows, job.created_count, job.updated_count, job.error_count) == (7, 0, 7, 0)
    assert Resident.objects.count() == 7
    assert Household.objects.count() == 4
    assert set(Resident.objects.values_list("area_id", flat=True)) == {tree.grid1.pk}

    # The worker finds 李建国 by name, then by exact ID number: masked everywhere.
    li = Resident.objects.get(name="李建国")
    assert li.id_number_masked == LI_ID[0] + "*" * 15 + LI_ID[-2:]
    assert li.phone_masked == MASKED_PHONE
    hits = search(worker, base, "李建国")
    assert hits.count() == 1
    assert li.id_number_masked in hits.first.inner_text()
    assert MASKED_PHONE in hits.first.inner_text()
    screenshot(worker, "rosters-search")
    hits = search(worker, base, LI_ID)
    assert hits.count() == 1
    assert "李建国" in hits.first.inner_text()
    # The number typed is echoed only by the search form (and the page's own URL); the
    # results show it masked.
    results = worker.locator("div.list-group").first.inner_html()
    assert LI_ID not in results
    assert li.id_number_masked in results
    assert PHONE not in worker.content()
    with worker.expect_navigation():
        hits.first.click()
    assert worker.url == f"{base}/rosters/residents/{li.pk}/"
    body = worker.locator("main, body").first.inner_text()
    assert li.id_number_masked in body
    assert MASKED_PHONE in body
    html = worker.content()
    assert LI_ID not in html
    assert PHONE not in html
    # A grid worker may not unmask: no such form on the page.
    assert worker.locator("#gg-unmask").count() == 0
    screenshot(worker, "rosters-resident-masked")

    # The street's leader opens the same resident and asks to see it unmasked, with a reason.
    leader = open_page("desktop")
    sign_in(leader, base, "liu")
    leader.goto(f"{base}/rosters/residents/{li.pk}/")
    assert LI_ID not in leader.content()
    box = leader.locator("#gg-unmask")
    # Without a reason: refused, nothing shown, nothing audited.
    with leader.expect_response(f"{base}/rosters/residents/{li.pk}/unmask/"):
        box.locator("button[type=submit]").click()
    assert not AuditEntry.objects.filter(event=Event.PERSONAL_DATA_VIEWED).exists()
    assert LI_ID not in leader.content()
    box = leader.locator("#gg-unmask")
    reason = "核实低保申请人身份（民政局来函）"
    box.locator("input[name=reason]").fill(reason)
    screenshot(leader, "rosters-unmask")
    box.locator("button[type=submit]").click()
    shown = leader.locator("#gg-unmask .alert-warning")
    shown.wait_for()
    assert LI_ID in shown.inner_text()
    assert PHONE in shown.inner_text()
    screenshot(leader, "rosters-unmasked")

    # The audit entry: who, whose record, which fields, why — never the numbers themselves.
    entry = AuditEntry.objects.get(event=Event.PERSONAL_DATA_VIEWED)
    assert entry.actor_id == leader_user.pk
    assert (entry.target_type, entry.target_id) == ("rosters.resident", str(li.pk))
    assert entry.target_repr == "李建国"
    assert entry.detail["reason"] == reason
    assert set(entry.detail["fields"]) == {"name", "id_number", "phone"}
    assert LI_ID not in str(entry.detail) and PHONE not in str(entry.detail)

    # The leader exports grid1's residents, masked, in the template's layout (also audited).
    leader.goto(f"{base}/rosters/export/?area={tree.grid1.pk}")
    no_error(leader)
    screenshot(leader, "rosters-export")
    with leader.expect_download() as info:
        leader.click("[data-testid=export-masked]")
    exported = tmp_path / "export.xlsx"
    info.value.save_as(exported)
    table = [[c.value for c in r] for r in load_workbook(exported).worksheets[0].iter_rows()]
    assert table[0][: len(HEADERS)] == list(HEADERS)
    assert len(table) == 1 + 7
    cells = {str(v) for r in table for v in r if v is not None}
    assert li.id_number_masked in cells and LI_ID not in cells and PHONE not in cells
    export_entry = AuditEntry.objects.get(event=Event.PERSONAL_DATA_EXPORTED)
    assert export_entry.actor_id == leader_user.pk
    assert export_entry.detail["unmasked"] is False and export_entry.detail["count"] == 7

    # The street's administrator reads the unmasked view in the audit log.
    admin = open_page("desktop")
    sign_in(admin, base, "zhou")
    admin.goto(f"{base}/audit/")
    admin.select_option("#id_event", Event.PERSONAL_DATA_VIEWED)
    with admin.expect_navigation():
        admin.click("#gg-audit-filter button[type=submit]")
    entries = admin.locator("[data-testid=audit-entries] tbody tr")
    assert entries.count() == 1
    row = entries.first.inner_text()
    assert zh(Event.PERSONAL_DATA_VIEWED.label) in row
    assert "liu" in row  # who
    assert "李建国" in row  # whose record
    assert reason in row  # why
    assert LI_ID not in admin.content()
    screenshot(admin, "rosters-audit")

    # A grid worker of the neighbouring grid finds nobody, by name or by ID number, and the
    # resident's page does not exist for them.
    other = open_page("phone")
    sign_in(other, base, "zhao")
    assert search(other, base, "李建国").count() == 0
    assert search(other, base, LI_ID).count() == 0
    response = other.goto(f"{base}/rosters/residents/{li.pk}/")
    assert response is not None and response.status == 404
    assert "李建国" not in other.content()
    assert Resident.objects.filter(area=tree.grid1).count() == 7


# --- 2. Building view, grid portrait, party organisations ----------------------------------------


def test_building_portrait_and_party(
    live_server: Any, open_page: Any, tree: Any, make_user: Any, tag_types: None
) -> None:
    from gridgov.party.models import MeetingType, MemberStatus, OrgKind
    from gridgov.party.services.meetings import AttendanceIn, meeting_create
    from gridgov.party.services.members import member_create
    from gridgov.party.services.orgs import org_create
    from gridgov.rosters.codes import StaffPost
    from gridgov.rosters.models import Room
    from gridgov.rosters.services.people import household_create, resident_create
    from gridgov.rosters.services.places import building_create, estate_create
    from gridgov.rosters.services.staff import staff_assign
    from gridgov.rosters.services.tags import tag_add

    worker_user = make_user("wang", ("grid_worker", tree.grid1), display_name="王网格")
    staff_user = make_user("she", ("community_staff", tree.community), display_name="佘社区")
    chief_user = make_user("lou", ("building_chief", tree.grid1), display_name="楼栋长老马")
    base = live_server.url

    # 凤鸣小区 3号楼: 2 units × 6 floors × 2 rooms; five households in their rooms.
    estate = estate_create(
        actor=worker_user, area=tree.grid1, name="凤鸣小区", address="凤鸣路12号"
    )
    building = building_create(
        actor=worker_user,
        area=tree.grid1,
        name="3号楼",
        estate=estate,
        address="凤鸣路12号3号楼",
        floors=6,
        units=2,
        rooms_per_floor=2,
    )
    people = [
        ((1, "101"), [("王建华", date(1941, 5, 3), "02"), ("陈桂英", date(1944, 2, 17), "10")]),
        ((1, "302"), [("张伟", date(1985, 8, 9), "02"), ("刘芳", date(1987, 3, 21), "10")]),
        ((1, "501"), [("马国庆", date(1962, 10, 1), "02")]),
        ((2, "201"), [("杨帆", date(1991, 6, 6), "02")]),
        ((2, "602"), [("何志刚", date(1975, 1, 30), "02"), ("何静", date(2010, 9, 1), "20")]),
    ]
    seq = 40
    elderly: list[Any] = []
    ids: dict[str, str] = {}
    for (unit_no, room_no), members in people:
        room = Room.objects.get(unit__building=building, unit__number=unit_no, number=room_no)
        household = household_create(
            actor=worker_user, area=tree.grid1, household_type="registered", address="", room=room
        )
        for name, birth, relation in members:
            seq += 1
            ids[name] = id_number(birth, seq)
            resident = resident_create(
                actor=worker_user,
                household=household,
                name=name,
                id_number=ids[name],
                relation=relation,
                residence_type="registered",
                phone=f"139{seq:08d}",
                moved_in_on=date(2012, 4, 1),
            )
            if birth.year < 1945:
                elderly.append(resident)
    for resident in elderly:
        tag_add(
            actor=worker_user,
            resident=resident,
            tag_type=TagType.objects.get(code="elderly"),
            start_on=date(2024, 1, 1),
            facts={"allowance": "200"},
        )

    # The community's party committee, the grid's branch and the building's party group.
    committee = org_create(
        actor=staff_user,
        name="凤鸣社区党委",
        kind=OrgKind.COMMITTEE,
        area=tree.community,
        secretary="佘书记",
        established_on=date(2005, 7, 1),
    )
    branch = org_create(
        actor=staff_user,
        name="网格一党支部",
        kind=OrgKind.BRANCH,
        area=tree.grid1,
        parent=committee,
        secretary="王建华",
        established_on=date(2016, 7, 1),
    )
    group = org_create(
        actor=staff_user,
        name="3号楼党小组",
        kind=OrgKind.GROUP,
        area=tree.grid1,
        parent=branch,
        established_on=date(2019, 7, 1),
    )
    org_create(
        actor=staff_user,
        name="网格二党支部",
        kind=OrgKind.BRANCH,
        area=tree.grid2,
        parent=committee,
        established_on=date(2016, 7, 1),
    )
    members = [
        member_create(
            actor=staff_user,
            org=group,
            name=name,
            id_number=ids[name],  # the same person as on the resident roster
            status=MemberStatus.FULL,
            joined_on=joined,
        )
        for name, joined in (
            ("王建华", date(1965, 7, 1)),
            ("马国庆", date(1990, 6, 30)),
            ("张伟", date(2010, 5, 4)),
        )
    ]
    meeting_create(
        actor=staff_user,
        org=group,
        meeting_type=MeetingType.THEME_DAY,
        held_on=date(2025, 7, 1),
        topic="学习党章，清理楼道杂物",
        place="3号楼楼下",
        host="王建华",
        attendance=[AttendanceIn(m.pk) for m in members],
    )

    # 三长联动: the grid worker is 网格长, a resident volunteer 楼栋长 of 3号楼.
    staff_assign(
        actor=worker_user,
        user=worker_user,
        post=StaffPost.GRID_CHIEF,
        area=tree.grid1,
        start_on=date(2023, 1, 1),
    )
    staff_assign(
        actor=worker_user,
        user=chief_user,
        post=StaffPost.BUILDING_CHIEF,
        area=tree.grid1,
        building=building,
        start_on=date(2023, 3, 1),
    )

    worker = open_page("desktop")
    sign_in(worker, base, "wang")
    worker.goto(f"{base}/rosters/buildings/{building.pk}/")
    no_error(worker)
    assert worker.locator("[data-testid=building-unit]").count() == 2
    assert worker.locator("[data-testid=building-households]").inner_text().strip() == "5"
    assert worker.locator("[data-testid=building-residents]").inner_text().strip() == "8"
    unit1 = worker.locator("[data-testid=building-unit]").first
    assert unit1.locator("td[data-room='101'].table-primary").count() == 1
    assert unit1.locator("td[data-room='102'].table-primary").count() == 0
    screenshot(worker, "rosters-building")

    worker.goto(f"{base}/rosters/grids/{tree.grid1.pk}/portrait/")
    no_error(worker)
    portrait = worker.locator("body").inner_text()
    assert tree.grid1.name in portrait
    assert "楼栋长老马" in portrait or "lou" in portrait
    screenshot(worker, "rosters-portrait")

    staff = open_page("desktop")
    sign_in(staff, base, "she")
    staff.goto(f"{base}/party/")
    no_error(staff)
    orgs = staff.locator("[data-testid=org-tree] li")
    assert orgs.count() == 4
    assert "3号楼党小组" in staff.locator("[data-testid=org-tree]").inner_text()
    screenshot(staff, "party-index")
