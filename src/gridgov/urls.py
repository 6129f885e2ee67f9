from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog

from gridgov.api import api

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("accounts/", include("gridgov.accounts.urls")),
    path("areas/", include("gridgov.areas.urls")),
    path("attachments/", include("gridgov.kernel.attachments.urls")),
    path("audit/", include("gridgov.audit.urls")),
    path("cases/", include("gridgov.cases.urls")),
    path("calendar/", include("gridgov.workcal.urls")),
    path("inbox/", include("gridgov.notifications.urls")),
    path("rosters/", include("gridgov.rosters.urls")),
    path("imports/", include("gridgov.kernel.imports.urls")),
    path("party/", include("gridgov.party.urls")),
    path("mediation/", include("gridgov.mediation.urls")),
    path("command/", include("gridgov.command.urls")),
    path("open311/v2/", include("gridgov.open311.urls")),
    path("", include("gridgov.core.urls")),
]

# A locked database answers 503 with Retry-After even when a middleware hit it.
handler500 = "gridgov.core.busy.server_error"

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
