"""/api/v1/command/…: alerts."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["command"])
