"""Every import template's example row passes its own importer: a user who fills in nothing
but the example and uploads the template gets no error (the ID numbers in the examples are
valid fictional ones that pass ``stdnum.cn.ric`` and the project's own checks)."""

from __future__ import annotations

from io import BytesIO
from typing import Any

import pytest
from openpyxl import load_workbook
from stdnum.cn import ric

from gridgov import conftest as _fixtures
from gridgov.cases.importers import hotline
from gridgov.party import excel as party_excel
from gridgov.party import services as party_services
from gridgov.party.models import OrgKind
from gridgov.rosters import idnumbers
from gridgov.rosters.excel import SHEETS
from gridgov.rosters.services import imports
from gridgov.rosters.tests.excel_support import sheet_rows

pytestmark = pytest.mark.django_db
tree = _fixtures.tree
make_user = _fixtures.make_user


@pytest.fixture(autouse=True)
def _fast(settings: Any, tmp_path: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = str(tmp_path / "media")


def test_the_party_member_example_passes_its_importer(tree: Any, make_user: Any) -> None:
    staff = make_user("staff", ("community_staff", tree.community))
    org = party_services.org_create(
        actor=None, name="凤鸣社区党委", kind=OrgKind.COMMITTEE, area=tree.community
    )
    result = party_excel.import_members(
        actor=staff, org=org, data=party_excel.build_template(), mode="all"
    )
    assert result.errors == [] and result.created == 1


def test_the_12345_example_passes_its_importer(tree: Any, make_user: Any) -> None:
    dispatcher = make_user("disp", ("dispatcher", tree.street))
    result = hotline.import_hotline(actor=dispatcher, data=hotline.build_template(), mode="all")
    assert result.errors == [] and len(result.created) == 1


def test_the_roster_examples_pass_their_importers(tree: Any, make_user: Any) -> None:
    """The examples build on each other, as a new office fills them in: the resident lives in
    the example building, the special group names the example resident."""
    worker = make_user("worker", ("grid_worker", tree.grid1))
    assert set(SHEETS) == {"buildings", "residents", "tags"}  # a new sheet joins the chain
    for kind in ("buildings", "residents", "tags"):
        job = imports.import_start(
            actor=worker,
            kind=kind,
            filename=f"{kind}.xlsx",
            data=imports.template_bytes(kind),
            mode="all",
        )
        job.refresh_from_db()
        problems = sheet_rows(bytes(job.error_sheet))[1:] if job.error_sheet else []
        assert (job.error_count, problems) == (0, []), [p[-3:] for p in problems]
        assert job.created_count == 1, kind


def _example_rows() -> dict[str, list[Any]]:
    ws = load_workbook(BytesIO(party_excel.build_template())).worksheets[0]
    rows = {"party": [c.value for c in ws[2]]}
    rows.update({kind: list(spec.example) for kind, spec in SHEETS.items()})
    return rows


@pytest.mark.parametrize(("kind", "values"), sorted(_example_rows().items()))
def test_example_id_numbers_are_valid(kind: str, values: list[Any]) -> None:
    """Every ID number in an example row passes stdnum and the project's check."""
    ids = [v for v in values if isinstance(v, str) and len(v) == 18 and v[:17].isdigit()]
    assert ids or kind == "buildings", kind
    for number in ids:
        assert ric.is_valid(number), (kind, number)
        assert idnumbers.id_problem(number) is None, (kind, number)
