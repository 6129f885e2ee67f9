"""Reads of the screen pages: which area and period a screen shows.

The figures themselves come from the API of the other topics (tiles, rankings, alerts, map);
the pages only need to know that the viewer may look at the area they ask for.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.utils.translation import gettext as _

from gridgov.accounts import scoping
from gridgov.accounts.roles import Perm
from gridgov.areas.models import Area
from gridgov.cases.indicators import check_period, local_today
from gridgov.core.errors import NotFound, PermissionDenied, ValidationFailed


def screen_area(
    *, actor: Any, area_id: int | None, date_from: date | None, date_to: date | None
) -> tuple[Area, tuple[date, date]]:
    """The area and period (inclusive local days) of a screen: ``area_id`` if ``actor`` holds
    ``command.view`` there (NotFound otherwise), else the first top area of their command
    jurisdiction; the period defaults to this month up to today, must not end in the future nor
    before it starts, nor be longer than three years (ValidationFailed). PermissionDenied for
    someone who holds ``command.view`` nowhere."""
    if not scoping.has_perm_anywhere(actor, Perm.COMMAND_VIEW):
        raise PermissionDenied(_("You do not have permission to do this in this area."))
    if area_id is None:
        roots = scoping.jurisdiction_roots(actor, Perm.COMMAND_VIEW)
        if not roots:
            raise NotFound(_("Not found, or outside your jurisdiction."))
        area = roots[0]
    else:
        found = Area.objects.filter(pk=area_id).defer("geometry").first()
        if found is None or not scoping.can(actor, Perm.COMMAND_VIEW, found):
            raise NotFound(_("Not found, or outside your jurisdiction."))
        area = found
    today = local_today()
    start = date_from or today.replace(day=1)
    end = date_to or today
    if end > today:
        message = _("The period must not end after today.")
        raise ValidationFailed(message, fields={"to": message})
    check_period(start, end)
    return area, (start, end)
