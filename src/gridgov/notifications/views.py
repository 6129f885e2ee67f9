"""The inbox pages: the list, opening one notification (marks it read, then follows its
same-site link), "mark all read" and the notification settings. A user only ever sees their
own notifications and settings."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from gridgov.core.views import domain_errors
from gridgov.notifications import preferences, selectors, services
from gridgov.notifications.forms import PreferencesForm

PAGE_SIZE = 20


def safe_link(url: str) -> str:
    """``url`` if it is a same-site relative link, else ""."""
    if url and url.startswith("/") and url_has_allowed_host_and_scheme(url, allowed_hosts=None):
        return url
    return ""


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    unread_only = request.GET.get("unread") == "1"
    notifications = selectors.inbox_for(actor=request.user, unread_only=unread_only)
    page = Paginator(notifications, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "notifications/inbox.html",
        {"page_obj": page, "unread_only": unread_only, "title": _("Inbox")},
    )


@require_POST
@login_required
@domain_errors
def open_notification(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark the notification read and go to its link (the inbox if it has no safe link)."""
    notification = services.notification_mark_read(actor=request.user, pk=pk)
    return HttpResponseRedirect(safe_link(notification.url) or reverse("notifications:inbox"))


@require_POST
@login_required
def read_all(request: HttpRequest) -> HttpResponse:
    n = services.notification_mark_all_read(actor=request.user)
    if n:
        messages.success(
            request,
            ngettext("%(n)d notification marked read.", "%(n)d notifications marked read.", n)
            % {"n": n},
        )
    return redirect("notifications:inbox")


@login_required
def settings_page(request: HttpRequest) -> HttpResponse:
    """The user's notification settings per topic (GET shows, POST saves)."""
    rows = preferences.settings_for(actor=request.user)
    form = PreferencesForm(request.POST or None, rows=rows)
    if request.method == "POST" and form.is_valid():
        preferences.preferences_update(actor=request.user, values=form.choices())
        messages.success(request, _("Your notification settings are saved."))
        return redirect("notifications:settings")
    return render(
        request,
        "notifications/settings.html",
        {"form": form, "title": _("Notification settings")},
    )
