"""Demo cases: a few hundred cases of the demo district, reported and moved along their
lifecycle over the last weeks through the real services (so every timeline entry, deadline and
indicator is what the platform itself would have written).

Deterministic for a given seed. Each case is reported at a point inside a demo grid, then
walked a random distance along report → accept → dispatch → sign → reply → verify → rate, with
the service clock (``now=``) set to moments in the past. A few cases are left with deadlines
that have passed, so the overdue queues and the sweep have something to show.

A resident's report in a grid with a grid worker first waits for the grid worker's check
(待核实): most are verified on site and go on, some are resolved on the spot or not accepted,
the newest still wait. The demo ``gridworker`` (凤鸣社区第一网格) finds a few reports to verify
and a case resolved by the community to check on site (核查) on their home page.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.utils import timezone

TEXTS: list[tuple[str, str, str]] = [
    # (category code, title, description)
    ("0101", "小区门口垃圾堆放", "小区东门外堆放生活垃圾两天无人清运，气味较大。"),
    ("0103", "道路不洁", "人行道上泥土较多，雨后行走不便。"),
    ("0106", "乱倒建筑垃圾", "有人在绿化带旁倾倒装修垃圾。"),
    ("0503", "占道经营", "早市摊贩占用人行道经营，行人只能走机动车道。"),
    ("0504", "机动车乱停放", "消防通道被私家车长期占用。"),
    ("G0101", "邻里纠纷", "楼上住户夜间噪音扰民，多次沟通未果。"),
    ("G0201", "消防安全隐患", "楼道内堆放杂物，电动车在楼道充电。"),
    ("G0202", "燃气安全隐患", "居民反映楼道有燃气味，请尽快排查。"),
    ("G03", "路灯不亮", "小区主干道路灯损坏，夜间出行不安全。"),
    ("G04", "咨询高龄补贴办理", "咨询八十岁以上老人高龄补贴如何申请。"),
]


def _pick_category(code: str) -> Any:
    from gridgov.cases.models import Category

    category = Category.objects.filter(code=code, is_active=True).first()
    if category is None:
        category = Category.objects.filter(is_active=True, children__isnull=True).first()
    return category


def _extra_for(category: Any) -> dict[str, Any]:
    """Plausible values for the extra fields a category asks for (and its parents')."""
    fields: list[dict[str, Any]] = []
    node = category
    while node is not None:
        fields.extend(node.extra_fields or [])
        node = node.parent
    values: dict[str, Any] = {}
    for f in fields:
        kind = f.get("type", "text")
        if kind == "number":
            values[f["name"]] = 2
        elif kind == "choice":
            values[f["name"]] = (f.get("choices") or [""])[0]
        elif kind == "date":
            values[f["name"]] = timezone.localdate().isoformat()
        else:
            values[f["name"]] = "宁A12345"
    return values


def _photo() -> bytes:
    """A small JPEG standing for a photo taken on site."""
    import io

    from PIL import Image, ImageDraw

    image = Image.new("RGB", (320, 240), (190, 200, 190))
    ImageDraw.Draw(image).rectangle((90, 80, 230, 190), fill=(90, 110, 90))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=80)
    return out.getvalue()


def _check(case: Any, worker: Any, rnd: random.Random, t: Any) -> bool:
    """The grid worker's check of a resident's report at ``t``: verified (True: it goes on),
    or resolved on the spot / not accepted (False: it is finished)."""
    from gridgov.cases.services import checking

    roll = rnd.random()
    if roll < 0.08:
        checking.case_check_reject(
            actor=worker,
            case=case,
            version=case.version,
            reason=rnd.choice(["untrue", "duplicate"]),
            note="经现场查看，未发现所反映的情况。",
            now=t,
        )
        return False
    if roll < 0.2:
        checking.case_check_resolve(
            actor=worker,
            case=case,
            version=case.version,
            reply="已在现场处置完毕。",
            photos=[_photo()],
            now=t,
        )
        return False
    checking.case_check_confirm(
        actor=worker, case=case, version=case.version, note="现场核实，情况属实。", now=t
    )
    return True


def _first_grid_todos(grid: Any, worker: Any, now: Any) -> int:
    """Three fresh reports waiting for ``worker``'s check, and one the community resolved that
    waits for the on-site check (核查). Returns how many cases."""
    from gridgov.accounts.models import User
    from gridgov.cases.services import checking, lifecycle
    from gridgov.cases.services.intake import case_report
    from gridgov.cases.states import Source

    community = User.objects.filter(username="community").first()
    dispatcher = User.objects.get(username="dispatcher")
    x, y = grid.center_lon or 0.0, grid.center_lat or 0.0
    texts = [
        ("G03", "路灯不亮", "3号楼南侧路灯不亮，晚上出行不便。"),
        ("0101", "垃圾桶满溢", "菜市场门口垃圾桶满溢，垃圾散落地面。"),
        ("0504", "消防通道被占用", "5号楼消防通道停了两辆私家车。"),
        ("G0101", "楼上漏水", "楼上卫生间漏水，渗到我家天花板，楼上住户不在家。"),
    ]
    made = []
    for n, (code, title, description) in enumerate(texts):
        category = _pick_category(code)
        made.append(
            case_report(
                actor=None,
                source=Source.RESIDENT,
                category=category,
                title=title,
                description=description,
                lon=x + 0.0001 * n,
                lat=y - 0.0001 * n,
                extra=_extra_for(category),
                anonymous=True,
                reported_at=now - timedelta(hours=3 - n * 0.5 if n < 3 else 30),
            ).case
        )
    case = made[-1]
    if community is not None and case.status == "to_check":
        t = now - timedelta(hours=28)
        checking.case_check_confirm(
            actor=worker, case=case, version=case.version, note="现场查看属实。", now=t
        )
        lifecycle.case_accept(actor=dispatcher, case=case, version=case.version, now=t)
        lifecycle.case_dispatch(
            actor=dispatcher, case=case, version=case.version, to_area=grid.parent, now=t
        )
        t += timedelta(hours=1)
        lifecycle.case_sign(actor=community, case=case, version=case.version, now=t)
        lifecycle.case_reply(
            actor=community,
            case=case,
            version=case.version,
            reply="已联系楼上住户维修，漏水已止住。",
            now=t + timedelta(hours=3),
        )
    return len(made)


def build_demo_cases(
    *,
    seed: int = 2026,
    count: int = 240,
    days: int = 45,
    progress: Callable[[str], None] | None = None,
) -> int:
    """Report ``count`` cases over the last ``days`` days and walk them along. Returns how many."""
    from gridgov.accounts.models import RoleGrant, User
    from gridgov.accounts.roles import Role
    from gridgov.areas.codes import Level
    from gridgov.areas.models import Area
    from gridgov.cases.models import Case
    from gridgov.cases.services import lifecycle
    from gridgov.cases.services.intake import case_report
    from gridgov.cases.states import Rating, Source, Status
    from gridgov.demo.generator import DEMO_COUNTY_CODE

    rnd = random.Random(seed)
    county = Area.objects.get(code=DEMO_COUNTY_CODE)
    grids = list(
        Area.objects.filter(
            path__startswith=county.path, level=Level.GRID, geometry__isnull=False
        ).order_by("code")
    )
    workers: dict[int, User] = {
        g.area_id: g.user
        for g in RoleGrant.objects.filter(role=Role.GRID_WORKER, area__in=grids)
        .select_related("user")
        .order_by("user__username")
    }
    dispatcher = User.objects.get(username="dispatcher")
    categories = {code: _pick_category(code) for code, _t, _d in TEXTS}
    now = timezone.now()
    made = 0
    from gridgov.demo.generator import FIRST_GRID

    first = next((g for g in grids if g.code == FIRST_GRID), None)
    gridworker = User.objects.filter(username="gridworker", is_active=True).first()
    # The demo grid worker's to-dos (made last, so they are the newest).
    todos = 4 if count >= 20 and first is not None and gridworker is not None else 0
    for _i in range(count - todos):
        grid = grids[rnd.randrange(len(grids))]
        worker = workers.get(grid.pk)
        code, title, description = TEXTS[rnd.randrange(len(TEXTS))]
        x = grid.center_lon or 0.0
        y = grid.center_lat or 0.0
        at = now - timedelta(days=rnd.uniform(0.2, days))
        from_worker = worker is not None and rnd.random() < 0.6
        result = case_report(
            actor=worker if from_worker else None,
            source=Source.PATROL if from_worker else Source.RESIDENT,
            category=categories[code],
            title=title,
            description=description,
            lon=x + rnd.uniform(-0.0004, 0.0004),
            lat=y + rnd.uniform(-0.0004, 0.0004),
            extra=_extra_for(categories[code]),
            anonymous=not from_worker,
            reported_at=at,
        )
        case: Case = result.case
        made += 1
        if progress and made % 50 == 0:
            progress(f"cases: {made}/{count}")
        if case.area_id != grid.pk or worker is None:
            continue
        t = at + timedelta(hours=rnd.uniform(0.5, 3))
        if case.status == Status.TO_CHECK:
            if t >= now:
                continue  # still waits for the grid worker
            if not _check(case, worker, rnd, t):
                continue
            t += timedelta(hours=rnd.uniform(0.2, 2))
        # How far along: fresh cases stay early, older ones are mostly closed.
        age_days = (now - at).total_seconds() / 86400
        steps = rnd.choice([1, 2, 3, 4, 5, 6, 7] if age_days > 10 else [0, 1, 2, 3, 4])
        if steps >= 1:
            lifecycle.case_accept(actor=dispatcher, case=case, version=case.version, now=t)
        if steps >= 2:
            t += timedelta(hours=rnd.uniform(0.2, 2))
            lifecycle.case_dispatch(
                actor=dispatcher, case=case, version=case.version, to_area=grid, now=t
            )
        if steps >= 3:
            t += timedelta(hours=rnd.uniform(0.2, 6))
            lifecycle.case_sign(actor=worker, case=case, version=case.version, now=t)
        if steps >= 4:
            t += timedelta(hours=rnd.uniform(2, 60))
            if t >= now:
                continue
            lifecycle.case_reply(
                actor=worker,
                case=case,
                version=case.version,
                reply="已到现场处置完毕，并拍照留存。",
                now=t,
            )
        if steps >= 5:
            t += timedelta(hours=rnd.uniform(1, 30))
            if t >= now:
                continue
            passed = rnd.random() > 0.1
            lifecycle.case_verify(
                actor=dispatcher,
                case=case,
                version=case.version,
                passed=passed,
                note="现场核查属实。" if passed else "现场仍有问题，请返工。",
                now=t,
            )
            if not passed:
                continue
        if steps >= 6:
            t += timedelta(hours=rnd.uniform(2, 48))
            if t >= now:
                continue
            rating = rnd.choices(
                [Rating.SATISFIED, Rating.BASIC, Rating.UNSATISFIED], weights=[80, 15, 5]
            )[0]
            lifecycle.case_rate(
                actor=dispatcher,
                case=case,
                version=case.version,
                rating=rating,
                comment="电话回访。",
                callback=True,
                now=t,
            )
    if todos and first is not None:
        made += _first_grid_todos(first, gridworker, now)
    return made
