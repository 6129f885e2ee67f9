from django.urls import include, path

app_name = "command"

urlpatterns = [
    path("map/", include("gridgov.command.maplayers.urls")),
    path("live/", include("gridgov.command.live.urls")),
    path("alerts/", include("gridgov.command.alerts.urls")),
    path("reports/", include("gridgov.command.reports.urls")),
    path("tiles/", include("gridgov.command.tiles.urls")),
    path("", include("gridgov.command.screen.urls")),
]
