"""The command centre API under /api/v1/command/: one router per topic."""

from __future__ import annotations

from ninja import Router


def routers() -> list[Router]:
    from gridgov.command.alerts.api import router as alerts
    from gridgov.command.live.api import router as live
    from gridgov.command.maplayers.api import router as maplayers
    from gridgov.command.reports.api import router as reports
    from gridgov.command.screen.api import router as screen
    from gridgov.command.tiles.api import router as tiles

    return [tiles, maplayers, alerts, reports, live, screen]
