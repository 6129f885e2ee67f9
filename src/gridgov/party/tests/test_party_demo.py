"""The demo party data: organisations per community and grid, members with valid IDs."""

from __future__ import annotations

import random
from datetime import date

from stdnum.cn import ric

from gridgov.core import crypto
from gridgov.party import demo
from gridgov.party.models import DualReport, Meeting, OrgKind, PartyMember, PartyOrg


def test_id_numbers_are_valid_for_their_birth_year():
    rng = random.Random(3)
    for year in (1940, 1975, 1990, 2003):
        number = demo.id_number(rng, date(year, 6, 15), "F")
        assert ric.is_valid(number) and int(number[16]) % 2 == 0


def test_build_party_demo(tree):
    summary = demo.build_party_demo(
        random.Random(5), [tree.community, tree.village], today=date(2026, 6, 1)
    )
    committee = PartyOrg.objects.get(area=tree.community, parent__isnull=True)
    assert committee.kind == OrgKind.COMMITTEE
    assert PartyOrg.objects.filter(parent=committee, kind=OrgKind.BRANCH).count() == 2
    assert PartyOrg.objects.get(area=tree.village, parent__isnull=True).kind in (
        OrgKind.COMMITTEE,
        OrgKind.GENERAL_BRANCH,
    )
    assert summary.members == PartyMember.objects.count() > 0
    assert summary.meetings == Meeting.objects.count() > 0
    assert summary.dual_reports == DualReport.objects.count() > 0
    member = PartyMember.objects.first()
    assert ric.is_valid(crypto.decrypt(member.id_number_enc))
    again = demo.build_party_demo(random.Random(5), [tree.community, tree.village])
    assert again.orgs == 0
