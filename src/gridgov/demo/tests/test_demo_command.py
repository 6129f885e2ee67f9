"""The command-centre part of the demo: subscriptions, last month's county report, alerts."""

from __future__ import annotations

import pytest

from gridgov.command.models import Alert, Report, ReportSubscription
from gridgov.demo.command import build_demo_command
from gridgov.demo.generator import FIRST_GRID, build_demo
from gridgov.demo.mediation import build_demo_mediation


@pytest.mark.django_db
def test_subscriptions_a_report_and_the_alerts_of_the_history(tmp_path, settings) -> None:
    settings.MEDIA_ROOT = tmp_path
    build_demo(grids=3)
    build_demo_mediation(grid_code=FIRST_GRID)  # a red high-risk dispute
    result = build_demo_command()
    subs = set(ReportSubscription.objects.values_list("user__username", "area__code", "period"))
    assert subs == {
        ("leader", "640110", "month"),
        ("dispatcher", "640110", "month"),
        ("street_dispatcher", "640110001", "week"),
    }
    report = Report.objects.get()
    assert (report.area.code, report.period, report.date_from.day) == ("640110", "month", 1)
    assert report.xlsx.read(4) == b"PK\x03\x04" and report.pdf.read(4) == b"%PDF"
    # The high-risk dispute of the mediation demo is on the board.
    assert Alert.objects.filter(rule="mediation.high_risk", cleared_at=None).exists()
    assert result.alerts == Alert.objects.count() >= 1
