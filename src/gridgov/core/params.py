"""The bounds every number and date that comes in must keep, in one place.

A date like 0001-01-01 or 9999-12-31 parses, but one day more or less overflows Python's
``date`` and a year before 1900 or after 2100 means nothing in a county's records; an integer
beyond PostgreSQL's ``bigint`` cannot even be sent to the database. So:

* **Dates and date-times** from people and clients lie in the years :data:`MIN_YEAR` to
  :data:`MAX_YEAR` (1900–2100; date-times from :data:`MOMENT_MIN_YEAR`, 1901). In the API use :data:`Day` / :data:`Moment` (pydantic types
  that ninja states in the OpenAPI document); in web forms :class:`DayField`; elsewhere
  (Open311, importers) :func:`check_day`.
* **Ids** (primary and foreign keys) are :data:`DbId`: 1 to :data:`ID_MAX` (a ``bigint``). A
  larger id in a path is simply not found; in a query or body it is refused with 422.
* **Orders, counts and small numbers** get their own ``Field(ge=, le=)`` where they are declared;
  :data:`SortOrder` is the list position every ``sort`` field takes (0 to :data:`SORT_MAX`).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from pydantic import AfterValidator, Field

from gridgov.core.errors import Code, ValidationFailed

MIN_YEAR = 1900
MAX_YEAR = 2100

# PostgreSQL's bigint (and SQLite's INTEGER) holds at most 2**63 - 1.
DB_INT_MAX = 2**63 - 1
ID_MAX = DB_INT_MAX
# A position in a short list (categories, place types); a PositiveIntegerField holds 2**31 - 1.
SORT_MAX = 1_000_000


def day_in_range(value: date) -> bool:
    return MIN_YEAR <= value.year <= MAX_YEAR


def _out_of_range_message() -> str:
    return _("The date must lie between the years %(min)d and %(max)d.") % {
        "min": MIN_YEAR,
        "max": MAX_YEAR,
    }


def check_day(value: date, *, name: str) -> date:
    """``value`` if its year lies in :data:`MIN_YEAR`–:data:`MAX_YEAR`, else
    :class:`ValidationFailed` (400, code ``date_out_of_range``) naming the field ``name``."""
    if not day_in_range(value):
        message = _out_of_range_message()
        raise ValidationFailed(message, code=Code.DATE_OUT_OF_RANGE, fields={name: message})
    return value


def _bounded(value: Any) -> Any:
    # pydantic turns ValueError into a 422 validation error for the field.
    if not day_in_range(value):
        raise ValueError(f"the year must lie between {MIN_YEAR} and {MAX_YEAR}")
    return value


# A date (YYYY-MM-DD) in 1900–2100, for query parameters and bodies of the API.
Day = Annotated[date, AfterValidator(_bounded)]
# Before 1901 the working time zone (Asia/Shanghai) has local mean time, +08:05:43: an offset in
# seconds that an ISO 8601 / RFC 3339 date-time cannot carry. Date-times start in 1901.
MOMENT_MIN_YEAR = MIN_YEAR + 1


def _bounded_moment(value: Any) -> Any:
    if not MOMENT_MIN_YEAR <= value.year <= MAX_YEAR:
        raise ValueError(f"the year must lie between {MOMENT_MIN_YEAR} and {MAX_YEAR}")
    return value


# A date-time (ISO 8601) in 1901–2100.
Moment = Annotated[datetime, AfterValidator(_bounded_moment)]
# A database id: 1 … 2**63 - 1.
DbId = Annotated[int, Field(ge=1, le=ID_MAX)]
# The version of a row as read (optimistic locking; a PositiveIntegerField).
VERSION_MAX = 2**31 - 1
Version = Annotated[int, Field(ge=0, le=VERSION_MAX)]
# A list position: 0 … SORT_MAX.
SortOrder = Annotated[
    int, Field(ge=0, le=SORT_MAX, description=f"List position, 0 to {SORT_MAX}; smaller first.")
]


class DayField(forms.DateField):
    """A web form's date, in the years 1900–2100 (a form error otherwise)."""

    default_error_messages = {
        "out_of_range": gettext_lazy("The date must lie between the years %(min)d and %(max)d."),
    }

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        attrs = super().widget_attrs(widget)
        if "date" in (
            getattr(widget, "input_type", ""),
            widget.attrs.get("type"),
        ):  # the browser's picker keeps to it too
            attrs.update({"min": f"{MIN_YEAR}-01-01", "max": f"{MAX_YEAR}-12-31"})
        return attrs

    def validate(self, value: Any) -> None:
        super().validate(value)
        if value is not None and not day_in_range(value):
            raise forms.ValidationError(
                self.error_messages["out_of_range"],
                code="out_of_range",
                params={"min": MIN_YEAR, "max": MAX_YEAR},
            )
