"""Dispute mediation in the demo district (凤鸣街道 and its communities):

- a street committee (凤鸣街道人民调解委员会) and one committee per community of the street;
- two named rooms: 马建才调解室 (the street's) and 石榴籽调解室 (凤鸣社区's);
- mediators: 马建才 (人民调解员, the demo account ``mediator``), a village worthy (乡贤), a
  lawyer and the police station's liaison (驻所民警);
- this week's screening round for the grids of 凤鸣社区: the first grid's return with the
  disputes it found, others "nothing found", one filed late and one still missing;
- disputes in every state (registered, accepted, assigned, mediating with two sessions, agreed
  with the follow-up visit due, failed and referred to the court, withdrawn, referred
  elsewhere, closed), among them a red high-risk one on the 综治中心's board and a sensitive
  family dispute.

Committees, rooms and mediators go through :mod:`gridgov.mediation.orgs.services` as the
system; disputes through the dispute services (:mod:`gridgov.mediation.disputes.services`)
as the demo accounts who would do each step (``gridworker`` registers, ``community`` and
``street_dispatcher`` accept and assign, ``mediator`` mediates), back-dated a few days so the
timelines read naturally. The screening round and its returns are written through their models
(area paths by the kernel's :class:`~gridgov.kernel.scoped.AreaScoped`), standing in for the
screening services. Built before the demo inboxes are settled, so its notices (the high-risk
alert, the assignments) start read like the rest of the demo's history.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

STREET = "640110001"  # 凤鸣街道
COMMUNITY = "640110001001"  # 凤鸣社区
MEDIATOR_USERNAME = "mediator"


@dataclass
class MediationResult:
    committees: int = 0
    rooms: int = 0
    mediators: int = 0
    returns: int = 0
    disputes: dict[str, int] = field(default_factory=dict)


def build_demo_mediation(*, grid_code: str) -> MediationResult:
    """Build the mediation part of the demo around the grid ``grid_code`` (the first grid of
    凤鸣社区); needs the named demo accounts and the areas."""
    from gridgov.accounts.models import User
    from gridgov.areas.models import Area

    users = {u.username: u for u in User.objects.filter(username__in=_ACTORS)}
    grid = Area.objects.get(code=grid_code)
    community = grid.parent
    street = community.parent if community is not None else None
    assert community is not None and street is not None
    result = MediationResult()
    orgs = _organisations(street, community, users.get(MEDIATOR_USERNAME), result)
    screening_return = _screening_round(community, grid, users, result)
    _disputes(grid, community, orgs, users, screening_return, result)
    return result


_ACTORS = ("gridworker", "community", "street_dispatcher", "dispatcher", MEDIATOR_USERNAME)


# --- Organisations ----------------------------------------------------------------------------


@dataclass
class Orgs:
    street_room: Any
    community_room: Any
    lead: Any  # 马建才
    elder: Any


def _organisations(street: Any, community: Any, account: Any, result: MediationResult) -> Orgs:
    from gridgov.areas.models import Area
    from gridgov.mediation.orgs import services

    street_committee = services.committee_create(
        actor=None, name=f"{street.name}人民调解委员会", area=street
    )
    result.committees += 1
    committees = {}
    for area in Area.objects.filter(parent=street, is_active=True).order_by("code"):
        committees[area.pk] = services.committee_create(
            actor=None, name=f"{area.name}人民调解委员会", area=area
        )
        result.committees += 1
    street_room = services.room_create(
        actor=None,
        name="马建才调解室",
        area=street,
        committee=street_committee,
        address=f"{street.name}综治中心一楼",
        description="以老调解员马建才命名，调处疑难复杂和跨社区的矛盾纠纷。",
    )
    community_room = services.room_create(
        actor=None,
        name="石榴籽调解室",
        area=community,
        committee=committees.get(community.pk),
        address=f"{community.name}党群服务中心",
        description="各族群众“像石榴籽一样紧紧抱在一起”，就近调处邻里、家庭纠纷。",
    )
    result.rooms += 2
    lead = services.mediator_create(
        actor=None,
        name=getattr(account, "display_name", "") or "马建才",
        kind="people",
        area=street,
        room=street_room,
        phone="13800002001",
        specialty="土地山林、征地拆迁、劳资纠纷",
        user=account,
    )
    elder = services.mediator_create(
        actor=None,
        name="海秀英",
        kind="elder",
        area=community,
        room=community_room,
        phone="13800002002",
        specialty="婚姻家庭、邻里纠纷",
    )
    services.mediator_create(
        actor=None,
        name="周明律师",
        kind="lawyer",
        area=street,
        committee=street_committee,
        phone="13800002003",
        specialty="合同、消费、交通事故赔偿",
    )
    services.mediator_create(
        actor=None,
        name="杨警官",
        kind="police",
        area=street,
        committee=street_committee,
        phone="13800002004",
        specialty="警调对接、治安纠纷",
    )
    result.mediators += 4
    return Orgs(street_room=street_room, community_room=community_room, lead=lead, elder=elder)


# --- Screening --------------------------------------------------------------------------------


def _screening_round(
    community: Any, grid: Any, users: dict[str, Any], result: MediationResult
) -> Any:
    """Last week's round for the grids of ``community``: the first grid's return (filed by
    ``gridworker``, with the disputes it found, which is returned), the others "nothing found",
    one of them filed after the due date and the last one never filed."""
    from gridgov.areas.codes import Level
    from gridgov.areas.models import Area
    from gridgov.mediation.models import ScreeningReturn, ScreeningRound

    today = timezone.localdate()
    monday = today - timedelta(days=today.weekday() + 7)
    screening = ScreeningRound.objects.create(
        title=f"{community.name}{monday.month}月{monday.day}日当周矛盾纠纷排查",
        period="weekly",
        area=community,
        starts_on=monday,
        due_on=monday + timedelta(days=4),
        created_by=users.get("community"),
    )
    grids = list(Area.objects.filter(parent=community, level=Level.GRID).order_by("code"))
    others = [g for g in grids if g.pk != grid.pk]
    missing = others[-1] if others else None
    late = others[-2] if len(others) >= 2 else None
    first_return = None
    for n, area in enumerate(grids):
        if missing is not None and area.pk == missing.pk:
            ScreeningReturn.objects.create(round=screening, area=area)
        else:
            day = monday + timedelta(days=6 if late and area.pk == late.pk else 1 + n % 3)
            filed_at = timezone.make_aware(datetime.combine(day, datetime.min.time()))
            row = ScreeningReturn.objects.create(
                round=screening,
                area=area,
                filed_at=filed_at + timedelta(hours=10),
                filed_by=users.get("gridworker") if area.pk == grid.pk else None,
                nothing_found=area.pk != grid.pk,
                note="" if area.pk == grid.pk else "本周入户走访，未发现矛盾纠纷。",
                late=day > screening.due_on,
            )
            if area.pk == grid.pk:
                first_return = row
        result.returns += 1
    return first_return


# --- Disputes ---------------------------------------------------------------------------------


def _party(name: str, role: str = "applicant", phone: str = "", address: str = "") -> Any:
    from gridgov.mediation.disputes.services import PartyIn

    return PartyIn(name=name, role=role, phone=phone, address=address)


@dataclass(frozen=True)
class DemoDispute:
    state: str
    type_code: str
    title: str
    summary: str
    place: str
    parties: tuple[tuple[str, str, str], ...]  # (name, role, phone)
    days_ago: int
    source: str = "screening"
    risk: str = "green"
    risk_reasons: str = ""
    amount: str | None = None
    in_room: str = "street"  # which room mediates: "street" or "community"


DISPUTES = [
    DemoDispute(
        "registered",
        "neighbour",
        "楼上卫生间漏水殃及楼下",
        "3号楼502卫生间防水层老化，楼下402天花板渗水发霉，双方对维修费用分担有争议。",
        "凤鸣社区3号楼",
        (("李桂芳", "applicant", "13800003001"), ("王海军", "respondent", "13800003002")),
        1,
        risk="yellow",
        risk_reasons="双方多次争吵，有激化苗头。",
    ),
    DemoDispute(
        "accepted",
        "property",
        "物业费上涨引发业主不满",
        "物业公司拟将物业费由每平方米0.8元上调至1.2元，部分业主拒缴并要求公开收支。",
        "凤鸣花园小区",
        (("业主代表张文", "applicant", "13800003003"), ("凤鸣物业公司", "respondent", "")),
        3,
        source="walk_in",
        amount="36000",
    ),
    DemoDispute(
        "assigned",
        "labour",
        "装修工人讨要工钱",
        "三名装修工人称包工头拖欠两个月工钱共计2.4万元。",
        "凤鸣路18号",
        (("马国强", "applicant", "13800003004"), ("刘某（包工头）", "respondent", "13800003005")),
        4,
        source="hotline",
        amount="24000",
    ),
    DemoDispute(
        "mediating",
        "land",
        "两户村民宅基地边界争议",
        "两户相邻宅基地界墙位置有争议，一方翻建院墙时双方发生推搡。",
        "凤鸣社区东侧平房区",
        (("田学文", "applicant", "13800003006"), ("田学武", "respondent", "13800003007")),
        9,
    ),
    DemoDispute(
        "agreed",
        "traffic",
        "电动车与行人碰擦赔偿",
        "电动车在小区门口与老人发生碰擦，老人轻微骨折，双方就医药费赔偿协商不下。",
        "凤鸣花园小区北门",
        (("苏兰英", "applicant", "13800003008"), ("何鹏", "respondent", "13800003009")),
        12,
        source="police",
        amount="8600",
    ),
    DemoDispute(
        "failed",
        "consumer",
        "健身房闭店拒退预付卡余额",
        "健身房突然闭店，二十余名会员要求退还预付卡余额，经营者只同意以课程抵扣。",
        "凤鸣路健身会所",
        (("会员代表周敏", "applicant", "13800003010"), ("某健身会所", "respondent", "")),
        20,
        source="walk_in",
        amount="52000",
    ),
    DemoDispute(
        "withdrawn",
        "neighbour",
        "楼道堆放杂物",
        "邻居长期在楼道堆放纸箱杂物，存在消防隐患。",
        "凤鸣社区5号楼2单元",
        (("赵晓燕", "applicant", "13800003011"), ("钱大爷", "respondent", "")),
        6,
    ),
    DemoDispute(
        "referred",
        "consumer",
        "网购家电质量问题",
        "网购冰箱到货后不制冷，商家推诿，当事人要求退货。属市场监管部门职责。",
        "线上购物",
        (("孙丽", "applicant", "13800003012"),),
        5,
        source="hotline",
        amount="3299",
    ),
    DemoDispute(
        "closed",
        "neighbour",
        "空调外机噪音扰民",
        "一楼商铺空调外机夜间运转噪音大，影响二楼住户休息。",
        "凤鸣路商业街",
        (("陈静", "applicant", "13800003013"), ("某餐饮店", "respondent", "")),
        30,
    ),
    DemoDispute(
        "red",
        "expropriation",
        "征地补偿款分配争议",
        "村集体征地补偿款分配方案未获部分村民认可，十余人多次聚集，扬言到区里上访。",
        "凤鸣社区村委会",
        (("村民代表马福", "applicant", "13800003014"), ("村集体经济组织", "respondent", "")),
        2,
        risk="red",
        risk_reasons="涉及人数多，已有聚集苗头，当事人扬言集体上访。",
        amount="1200000",
    ),
    DemoDispute(
        "family",
        "family",
        "夫妻离婚后子女抚养费纠纷",
        "离婚后一方连续半年未支付子女抚养费，双方情绪对立。",
        "凤鸣社区",
        (("海燕", "applicant", "13800003015"), ("马某", "respondent", "13800003016")),
        8,
        in_room="community",
    ),
]


def _at(days_ago: int, hours: int = 0) -> datetime:
    """A moment ``days_ago`` days back at 9:00 plus ``hours``, never in the future."""
    day = timezone.localdate() - timedelta(days=days_ago)
    moment = timezone.make_aware(datetime.combine(day, datetime.min.time())) + timedelta(
        hours=9 + hours
    )
    return min(moment, timezone.now() - timedelta(minutes=10))


def _in_round(screening_return: Any, days_ago: int) -> bool:
    if screening_return is None:
        return False
    day = timezone.localdate() - timedelta(days=days_ago)
    starts = screening_return.round.starts_on
    return starts <= day <= starts + timedelta(days=6)


def _disputes(
    grid: Any,
    community: Any,
    orgs: Orgs,
    users: dict[str, Any],
    screening_return: Any,
    result: MediationResult,
) -> None:
    from gridgov.mediation.disputes import services as flow
    from gridgov.mediation.models import DisputeType

    types = {t.code: t for t in DisputeType.objects.all()}
    reporter = users["gridworker"]
    triage = users["street_dispatcher"]
    mediator = users[MEDIATOR_USERNAME]
    for spec in DISPUTES:
        start = spec.days_ago
        dispute = flow.dispute_register(
            actor=reporter,
            area=grid,
            type=types[spec.type_code],
            title=spec.title,
            summary=spec.summary,
            place=spec.place,
            amount=spec.amount,
            risk=spec.risk,
            risk_reasons=spec.risk_reasons,
            source=spec.source,
            parties=[_party(n, r, p) for n, r, p in spec.parties],
            screening_return=(
                screening_return
                if spec.source == "screening" and _in_round(screening_return, start)
                else None
            ),
            now=_at(start),
        )
        result.disputes[spec.state] = result.disputes.get(spec.state, 0) + 1
        if spec.state == "registered":
            continue
        if spec.state == "referred":
            flow.dispute_refer(
                actor=triage,
                dispute=dispute,
                version=dispute.version,
                referred_to="administrative",
                referred_body="凤城区市场监管所",
                reason="属消费者权益保护事项，由市场监管部门依法处理。",
                now=_at(start, 2),
            )
            continue
        accepter = users["community"] if not dispute.sensitive else triage
        flow.dispute_accept(
            actor=accepter, dispute=dispute, version=dispute.version, now=_at(start, 1)
        )
        if spec.state == "accepted":
            continue
        if spec.state == "withdrawn":
            flow.dispute_outcome(
                actor=mediator,
                dispute=dispute,
                version=dispute.version,
                outcome="withdrawn",
                note="邻居已主动清理杂物，申请人撤回调解申请。",
                now=_at(start - 1),
            )
            continue
        community_room = spec.in_room == "community"
        flow.dispute_assign(
            actor=triage,
            dispute=dispute,
            version=dispute.version,
            room=orgs.community_room if community_room else orgs.street_room,
            mediator=orgs.elder if community_room else orgs.lead,
            note="请尽快联系双方当事人。",
            now=_at(start, 3),
        )
        if spec.state in ("assigned", "red"):
            continue
        sessions = 2 if spec.state in ("mediating", "family", "failed") else 1
        for n in range(sessions):
            flow.dispute_session_add(
                actor=mediator,
                dispute=dispute,
                version=dispute.version,
                held_at=_at(max(start - 1 - 2 * n, 0), 1),
                place=(orgs.community_room if community_room else orgs.street_room).name,
                attendees="、".join(name for name, _r, _p in spec.parties) + "；调解员",
                minutes=(
                    "听取双方陈述，释法明理，双方同意再行协商。"
                    if n == 0
                    else "现场查看，出示相关证据，双方各自让步。"
                ),
                now=_at(max(start - 1 - 2 * n, 0), 2),
            )
        if spec.state in ("mediating", "family"):
            continue
        if spec.state == "failed":
            flow.dispute_outcome(
                actor=mediator,
                dispute=dispute,
                version=dispute.version,
                outcome="no_agreement",
                note="经营者坚持只以课程抵扣，会员不同意，调解不成。已告知当事人可向法院起诉。",
                referred_to="litigation",
                referred_body="凤城区人民法院",
                now=_at(start - 5),
            )
            continue
        flow.dispute_outcome(
            actor=mediator,
            dispute=dispute,
            version=dispute.version,
            outcome="agreement",
            note="双方自愿达成调解协议，当场签订人民调解协议书。",
            now=_at(start - 3),
        )
        if spec.state == "agreed":
            continue  # the follow-up visit is due
        flow.dispute_follow_up(
            actor=mediator,
            dispute=dispute,
            version=dispute.version,
            visited_at=_at(start - 10),
            performance="full",
            note="回访确认商铺已加装隔音罩并调整运行时间，协议已全部履行。",
            now=_at(start - 10, 1),
        )
        flow.dispute_close(
            actor=mediator,
            dispute=dispute,
            version=dispute.version,
            note="协议履行完毕，结案。",
            now=_at(start - 10, 2),
        )
