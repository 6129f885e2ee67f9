"""/api/v1/command/…: maplayers."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["command"])
