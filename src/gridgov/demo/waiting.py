"""Work waiting for the demo's named accounts, so that every role guide (docs/guide/) can be
followed as written on a fresh demo:

- ``community`` (凤鸣社区): a case dispatched to the community to sign for (待签收) and one it
  signed for and is handling (办理中);
- ``chengguan`` (凤城区城管执法中队): the same, dispatched to the department;
- ``resident``: a case they reported that was handled and closed, waiting for their rating
  (评价), with the 「已办结」 notice unread in their inbox;
- ``gridworker`` finds residents' reports to verify on site and a case to check on site
  (made by :func:`gridgov.demo.cases._first_grid_todos`).

All of it goes through the real case services, a few hours back in time. Run after
:func:`gridgov.demo.inbox.settle_demo_inboxes`, so these notices stay unread.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone


def _report(
    grid: Any, *, actor: Any, category_code: str, title: str, text: str, at: Any, n: int
) -> Any:
    from gridgov.cases.services.intake import case_report
    from gridgov.cases.states import Source
    from gridgov.demo.cases import _extra_for, _pick_category

    category = _pick_category(category_code)
    return case_report(
        actor=actor,
        source=Source.RESIDENT if actor.username == "resident" else Source.PATROL,
        category=category,
        title=title,
        description=text,
        lon=(grid.center_lon or 0.0) + 0.0002 * n,
        lat=(grid.center_lat or 0.0) + 0.0002 * n,
        extra=_extra_for(category),
        anonymous=False,
        reported_at=at,
    ).case


def _to_unit(case: Any, *, dispatcher: Any, worker: Any, at: Any, **to: Any) -> Any:
    """Verified on site (when it waits for that), accepted and dispatched to ``to``."""
    from gridgov.cases.services import checking, lifecycle
    from gridgov.cases.states import Status

    if case.status == Status.TO_CHECK:
        case = checking.case_check_confirm(
            actor=worker, case=case, version=case.version, note="现场核实，情况属实。", now=at
        )
    if case.status == Status.REPORTED:
        case = lifecycle.case_accept(actor=dispatcher, case=case, version=case.version, now=at)
    return lifecycle.case_dispatch(actor=dispatcher, case=case, version=case.version, now=at, **to)


def give_demo_roles_work(*, grid_code: str) -> dict[str, int]:
    """Cases waiting for ``community``, ``chengguan`` and ``resident`` (see the module).
    Returns how many cases were made per account; an account that does not exist is
    skipped."""
    from gridgov.accounts.models import Department, User
    from gridgov.areas.models import Area
    from gridgov.cases.services import lifecycle

    users = {u.username: u for u in User.objects.filter(is_active=True)}
    grid = Area.objects.filter(code=grid_code).first()
    dispatcher = users.get("dispatcher")
    worker = users.get("gridworker")
    made = {"community": 0, "chengguan": 0, "resident": 0}
    cases: list[Any] = []
    if grid is None or dispatcher is None or worker is None:
        return made
    now = timezone.now()
    at = now - timedelta(hours=2)

    community = users.get("community")
    if community is not None and grid.parent is not None:
        texts = [
            ("0101", "小区垃圾清运不及时", "凤鸣小区北门垃圾站三天未清运，请社区协调。"),
            ("G0201", "楼道堆放杂物", "2号楼一单元楼道堆放纸箱和旧家具，影响通行。"),
        ]
        for n, (code, title, text) in enumerate(texts):
            case = _report(
                grid, actor=worker, category_code=code, title=title, text=text, at=at, n=n
            )
            case = _to_unit(case, dispatcher=dispatcher, worker=worker, at=at, to_area=grid.parent)
            if n == 1:  # signed for: being handled
                case = lifecycle.case_sign(
                    actor=community, case=case, version=case.version, now=at + timedelta(hours=1)
                )
            cases.append(case)
            made["community"] += 1

    chengguan = users.get("chengguan")
    dept = Department.objects.filter(name="凤城区城管执法中队").first()
    if chengguan is not None and dept is not None:
        texts = [
            ("0503", "流动摊贩占道经营", "凤鸣路菜市场门口流动摊贩占道经营，早晚高峰堵塞。"),
            ("0504", "车辆占用消防通道", "凤鸣小区3号楼东侧消防通道长期停放私家车。"),
        ]
        for n, (code, title, text) in enumerate(texts):
            case = _report(
                grid, actor=worker, category_code=code, title=title, text=text, at=at, n=n + 2
            )
            case = _to_unit(case, dispatcher=dispatcher, worker=worker, at=at, to_department=dept)
            if n == 1:
                case = lifecycle.case_sign(
                    actor=chengguan, case=case, version=case.version, now=at + timedelta(hours=1)
                )
            cases.append(case)
            made["chengguan"] += 1

    resident = users.get("resident")
    if resident is not None:
        t = now - timedelta(days=2)
        case = _report(
            grid,
            actor=resident,
            category_code="G03",
            title="单元门口路灯不亮",
            text="1号楼2单元门口路灯坏了一周，晚上回家看不清台阶。",
            at=t,
            n=4,
        )
        case = _to_unit(case, dispatcher=dispatcher, worker=worker, at=t, to_area=grid)
        t += timedelta(hours=2)
        case = lifecycle.case_sign(actor=worker, case=case, version=case.version, now=t)
        t += timedelta(hours=20)
        case = lifecycle.case_reply(
            actor=worker,
            case=case,
            version=case.version,
            reply="已联系物业更换灯泡，路灯恢复照明。",
            now=t,
        )
        case = lifecycle.case_verify(
            actor=dispatcher,
            case=case,
            version=case.version,
            passed=True,
            note="电话确认已修好。",
            now=t + timedelta(hours=3),
        )
        cases.append(case)
        made["resident"] += 1
    _read_what_no_longer_waits(cases, resident=resident, now=now)
    return made


def _read_what_no_longer_waits(cases: list[Any], *, resident: Any, now: Any) -> None:
    """Notices about these cases are read, except what still waits for its reader: the
    「待签收」 notice of a case still to sign for, and the resident's notices."""
    from django.db.models import Q

    from gridgov.cases.states import Status
    from gridgov.notifications.models import Notification

    keep = Q(
        kind="case.assigned",
        target_id__in=[str(c.pk) for c in cases if c.status == Status.ASSIGNED],
    )
    if resident is not None:
        keep |= Q(recipient=resident)
    Notification.objects.filter(
        kind__startswith="case.", target_id__in=[str(c.pk) for c in cases], read_at__isnull=True
    ).exclude(keep).update(read_at=now)
