"""Typed errors of the working-time calendar."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from gridgov.core.errors import DomainError


class CalendarMissing(DomainError):
    """A year has no official schedule (holidays and make-up workdays) in the calendar."""

    code = "calendar_missing"
    status = 409

    def __init__(
        self, message: object = None, *, years: list[int] | None = None, **kw: object
    ) -> None:
        self.years = list(years or [])
        if message is None:
            message = _("The working-time calendar has no schedule for: %(years)s.") % {
                "years": ", ".join(str(y) for y in self.years)
            }
        super().__init__(message, **kw)  # type: ignore[arg-type]
