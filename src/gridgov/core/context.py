"""Per-request context that services may read without every caller passing the request."""

from __future__ import annotations

from contextvars import ContextVar

client_ip: ContextVar[str | None] = ContextVar("gridgov_client_ip", default=None)
