"""Periodic jobs of the live stream: the demo's trickle of new cases.

While ``gridgov demo`` runs (it sets ``GRIDGOV_DEMO_TRICKLE`` for its worker), a new case is
reported about every 25 seconds through the real intake service — by the grid's demo grid
worker (a patrol) or by an anonymous resident, a random category of the demo texts, at a point
inside a random demo grid — so the command centre's screen moves. Outside the demo the job is
not even registered.
"""

from __future__ import annotations

import random
from datetime import timedelta

from django_tasks import task

from gridgov.command.live import conf
from gridgov.core.scheduler import register

TRICKLE_EVERY = timedelta(seconds=25)


@task()
def demo_trickle() -> int:
    """Report one demo case (0 when not in the demo or without demo grids)."""
    if not conf.demo_trickle():
        return 0
    from gridgov.accounts.models import RoleGrant
    from gridgov.accounts.roles import Role
    from gridgov.areas.codes import Level
    from gridgov.areas.models import Area
    from gridgov.cases.services.intake import case_report
    from gridgov.cases.states import Source
    from gridgov.demo.cases import TEXTS, _extra_for, _pick_category
    from gridgov.demo.generator import DEMO_COUNTY_CODE

    county = Area.objects.filter(code=DEMO_COUNTY_CODE).first()
    if county is None:
        return 0
    grids = list(
        Area.objects.filter(
            path__startswith=county.path,
            level=Level.GRID,
            is_active=True,
            center_lon__isnull=False,
            center_lat__isnull=False,
        ).defer("geometry")
    )
    if not grids:
        return 0
    rnd = random.SystemRandom()
    grid = rnd.choice(grids)
    grant = (
        RoleGrant.objects.filter(role=Role.GRID_WORKER, area=grid, user__is_active=True)
        .select_related("user")
        .first()
    )
    code, title, description = rnd.choice(TEXTS)
    category = _pick_category(code)
    if category is None:
        return 0
    worker = grant.user if grant is not None and rnd.random() < 0.6 else None
    case_report(
        actor=worker,
        source=Source.PATROL if worker is not None else Source.RESIDENT,
        category=category,
        title=title,
        description=description,
        lon=(grid.center_lon or 0.0) + rnd.uniform(-0.0004, 0.0004),
        lat=(grid.center_lat or 0.0) + rnd.uniform(-0.0004, 0.0004),
        extra=_extra_for(category),
        anonymous=worker is None,
    )
    return 1


if conf.demo_trickle():
    register("command.live.demo_trickle", every=TRICKLE_EVERY, task=demo_trickle)
