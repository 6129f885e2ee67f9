"""The audit log page: filtered, paginated, scoped by :mod:`gridgov.audit.selectors`."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from gridgov.accounts import scoping
from gridgov.accounts.roles import Perm
from gridgov.areas.models import Area
from gridgov.audit.details import detail_items
from gridgov.audit.forms import AuditFilterForm
from gridgov.audit.selectors import audit_list

PAGE_SIZE = 50


@login_required
def entry_list(request: HttpRequest) -> HttpResponse:
    if not scoping.has_perm_anywhere(request.user, Perm.VIEW_AUDIT):
        raise PermissionDenied(_("You do not have permission to view the audit log."))
    filtering = any(request.GET.get(name) for name in AuditFilterForm.base_fields)
    form = AuditFilterForm(request.GET if filtering else None)
    entries = audit_list(actor=request.user, **form.filters())
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    # Name the area of each entry on this page (one query for the whole page).
    last_ids = {int(e.area_path.rstrip("/").rsplit("/", 1)[-1]) for e in page if e.area_path}
    names = dict(Area.objects.filter(pk__in=last_ids).values_list("pk", "name"))
    rows = [
        {
            "entry": e,
            "detail": detail_items(e.detail),
            "area": names.get(int(e.area_path.rstrip("/").rsplit("/", 1)[-1]))
            if e.area_path
            else "",
        }
        for e in page
    ]
    return render(
        request,
        "audit/entry_list.html",
        {"form": form, "page_obj": page, "rows": rows, "title": _("Audit log")},
    )
