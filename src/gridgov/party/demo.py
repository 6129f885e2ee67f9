"""Demo party organisations for the demo district, built through the party services as the
system (``actor=None``): per community a 社区党委 (a village: 村党总支), per grid a 网格党支部,
a few 楼栋党小组, members with valid ID numbers of real 银川 counties, some 双报到 and
三会一课 / 主题党日 records with attendance.

Deterministic for a given ``random.Random``. Called by the demo generator::

    from gridgov.party.demo import build_party_demo
    summary = build_party_demo(rng, communities, today=date(2026, 6, 1))
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import transaction
from stdnum.cn import ric

from gridgov.areas.codes import Kind, Level
from gridgov.areas.models import Area
from gridgov.core import crypto
from gridgov.party import selectors, services
from gridgov.party.models import MeetingType, MemberStatus, OrgKind, PartyMember, PartyOrg

# Real county codes of 银川市 (GB/T 2260); the validity years are checked per birth year.
COUNTY_CODES = ("640104", "640105", "640106", "640121", "640122", "640181", "640102", "640103")
_SURNAMES = "王李张刘陈杨马赵黄周吴徐孙胡朱高林何郭罗丁田海白"
_GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国志文辉鹏飞云海燕晓东梅琴宁慧佳"
)
_WORK_UNITS = (
    ("区行政审批服务局", "区行政审批服务局机关党支部"),
    ("区住房和城乡建设局", "区住建局机关党委"),
    ("区人民医院", "区人民医院党委"),
    ("区教育局", "区教育局机关党支部"),
    ("工商银行银川支行", "工商银行银川支行党支部"),
    ("区市场监督管理局", "区市场监管局机关党支部"),
    ("国网银川供电公司", "国网银川供电公司党委"),
)
_SERVICES = ("义诊", "法律咨询", "政策宣讲", "助老服务", "环境整治志愿服务", "课业辅导", "文艺演出")
_ABSENCE = ("因病请假", "外出务工", "工作冲突", "因事请假", "外地就医")
_TOPICS = {
    MeetingType.CONGRESS: ("学习贯彻党的二十大精神", "民主评议党员", "发展党员票决"),
    MeetingType.COMMITTEE: ("研究季度党建工作", "讨论网格治理重点任务", "研究困难党员慰问"),
    MeetingType.GROUP: ("楼栋议事：加装电梯", "学习《中国共产党章程》", "楼道环境整治分工"),
    MeetingType.LECTURE: ("书记讲党课：党建引领基层治理", "传承红色基因", "以学促干 服务群众"),
    MeetingType.THEME_DAY: ("我为群众办实事", "党员设摊点 群众享服务", "清洁家园志愿服务"),
}


@dataclass
class PartyDemoSummary:
    orgs: int = 0
    members: int = 0
    dual_reports: int = 0
    meetings: int = 0


def person_name(rng: random.Random) -> str:
    given = rng.choice(_GIVEN) + (rng.choice(_GIVEN) if rng.random() < 0.7 else "")
    return rng.choice(_SURNAMES) + given


def id_number(rng: random.Random, birth: date, gender: str) -> str:
    """A valid 18-character ID number: a real county code that existed in the birth year,
    the birth date, a sequence number of the right parity and the ISO 7064 check digit."""
    codes = list(COUNTY_CODES)
    rng.shuffle(codes)
    seq = rng.randrange(0, 500) * 2 + (1 if gender == "M" else 0)
    for county in codes:
        body = f"{county}{birth:%Y%m%d}{seq:03d}"
        number = body + ric.calc_check_digit(body + "0")
        if ric.is_valid(number):
            return number
    raise ValueError(f"no county code was valid in {birth.year}")


def mobile(rng: random.Random) -> str:
    return (
        rng.choice(("139", "138", "137", "135", "158", "186", "188"))
        + f"{rng.randrange(10**8):08d}"
    )


def _add_member(
    rng: random.Random, org: PartyOrg, today: date, used: set[str], summary: PartyDemoSummary
) -> PartyMember:
    gender = rng.choice("MMF")
    while True:
        age = rng.randint(24, 82)
        birth = today - timedelta(days=age * 365 + rng.randrange(365))
        number = id_number(rng, birth, gender)
        if (
            number not in used
            and not PartyMember.objects.filter(id_number_hash=crypto.keyed_hash(number)).exists()
        ):
            used.add(number)
            break
    probationary = rng.random() < 0.1
    confirmed: date | None
    if probationary:
        joined = today - timedelta(days=rng.randrange(30, 330))
        confirmed = None
    else:
        earliest = birth + timedelta(days=18 * 366)
        joined = earliest + timedelta(days=rng.randrange((today - earliest).days - 400))
        confirmed = joined + timedelta(days=365 + rng.randrange(0, 30))
    member = services.member_create(
        actor=None,
        org=org,
        name=person_name(rng),
        id_number=number,
        phone=mobile(rng) if rng.random() < 0.9 else "",
        status=MemberStatus.PROBATIONARY if probationary else MemberStatus.FULL,
        joined_on=joined,
        confirmed_on=confirmed,
    )
    summary.members += 1
    return member


def _meeting(
    rng: random.Random, org: PartyOrg, kind: str, today: date, summary: PartyDemoSummary
) -> None:
    members = list(selectors.eligible_members(org).values_list("pk", flat=True))
    attendance = []
    for pk in members:
        present = rng.random() < 0.88
        attendance.append(
            services.AttendanceIn(pk, present, "" if present else rng.choice(_ABSENCE))
        )
    topic = rng.choice(_TOPICS[MeetingType(kind)])
    services.meeting_create(
        actor=None,
        org=org,
        meeting_type=kind,
        held_on=today - timedelta(days=rng.randrange(1, 180)),
        topic=topic,
        place=rng.choice(("党群服务中心", "社区会议室", "网格党建驿站", "楼栋议事角")),
        host=org.secretary,
        minutes=f"会议围绕“{topic}”开展学习讨论，与会党员结合网格工作交流发言，明确下一步任务分工。",
        attendance=attendance,
    )
    summary.meetings += 1


def build_party_demo(
    rng: random.Random,
    communities: Sequence[Area],
    *,
    today: date | None = None,
    members_per_branch: tuple[int, int] = (5, 10),
    groups_per_branch: tuple[int, int] = (0, 2),
    dual_reports_per_community: tuple[int, int] = (2, 4),
) -> PartyDemoSummary:
    """Party organisations, members, 双报到 and meetings for ``communities`` (areas of level
    COMMUNITY; their GRID children get the 网格党支部s). Existing organisations of a community
    (by area) are left alone, so running it twice adds nothing. One transaction."""
    from django.utils import timezone

    today = today or timezone.localdate()
    summary = PartyDemoSummary()
    used: set[str] = set()
    with transaction.atomic():
        for community in communities:
            if community.level != Level.COMMUNITY:
                continue
            if PartyOrg.objects.filter(area=community, parent__isnull=True).exists():
                continue
            village = community.kind == Kind.VILLAGERS
            top = services.org_create(
                actor=None,
                name=f"{community.name}{'党总支' if village else '党委'}",
                kind=OrgKind.GENERAL_BRANCH if village else OrgKind.COMMITTEE,
                area=community,
                secretary=person_name(rng),
                established_on=date(rng.randint(1995, 2015), rng.randint(1, 12), 1),
            )
            summary.orgs += 1
            grids = list(Area.objects.filter(parent=community, level=Level.GRID).order_by("code"))
            for grid in grids:
                branch = services.org_create(
                    actor=None,
                    name=f"{grid.name}党支部",
                    kind=OrgKind.BRANCH,
                    area=grid,
                    parent=top,
                    secretary=person_name(rng),
                    established_on=date(rng.randint(2016, 2023), rng.randint(1, 12), 1),
                )
                summary.orgs += 1
                holders = [branch]
                for g in range(rng.randint(*groups_per_branch)):
                    holders.append(
                        services.org_create(
                            actor=None,
                            name=f"{grid.name}{g + 1}号楼党小组",
                            kind=OrgKind.GROUP,
                            area=grid,
                            parent=branch,
                            secretary=person_name(rng),
                        )
                    )
                    summary.orgs += 1
                for _n in range(rng.randint(*members_per_branch)):
                    _add_member(rng, rng.choice(holders), today, used, summary)
                _meeting(rng, branch, MeetingType.CONGRESS, today, summary)
                _meeting(
                    rng,
                    branch,
                    rng.choice((MeetingType.LECTURE, MeetingType.THEME_DAY)),
                    today,
                    summary,
                )
                for group in holders[1:]:
                    _meeting(rng, group, MeetingType.GROUP, today, summary)
            _meeting(rng, top, MeetingType.COMMITTEE, today, summary)
            phones: set[str] = set()
            for _n in range(rng.randint(*dual_reports_per_community)):
                unit, unit_org = rng.choice(_WORK_UNITS)
                phone = mobile(rng)
                if phone in phones:
                    continue
                phones.add(phone)
                services.dual_report_create(
                    actor=None,
                    community=community,
                    name=person_name(rng),
                    phone=phone,
                    work_unit=unit,
                    work_org=unit_org,
                    services="、".join(rng.sample(_SERVICES, 2)),
                    registered_on=today - timedelta(days=rng.randrange(10, 700)),
                )
                summary.dual_reports += 1
    return summary
