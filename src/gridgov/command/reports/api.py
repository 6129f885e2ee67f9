"""/api/v1/command/…: reports."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["command"])
