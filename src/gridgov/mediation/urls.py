from django.urls import include, path

app_name = "mediation"

urlpatterns = [
    path("screening/", include("gridgov.mediation.screening.urls")),
    path("documents/", include("gridgov.mediation.documents.urls")),
    path("stats/", include("gridgov.mediation.numbers.urls")),
    path("orgs/", include("gridgov.mediation.orgs.urls")),
    path("", include("gridgov.mediation.web.urls")),
]
