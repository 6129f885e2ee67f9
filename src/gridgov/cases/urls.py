"""Case pages: work queues, list and detail (views), reporting and imports (views_intake),
statistics (views_stats), unmasking (views_privacy), the case map's JSON (casemap.views)."""

from gridgov.cases import views, views_intake, views_privacy, views_stats
from gridgov.cases.casemap import views as casemap_views

app_name = "cases"
urlpatterns = [
    *views.urlpatterns,
    *views_intake.urlpatterns,
    *views_privacy.urlpatterns,
    *views_stats.urlpatterns,
    *casemap_views.urlpatterns,
]
