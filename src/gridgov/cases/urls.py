"""Case pages: work queues, list and detail (views), reporting and imports (views_intake),
statistics (views_stats), unmasking (views_privacy)."""

from gridgov.cases import views, views_intake, views_privacy, views_stats

app_name = "cases"
urlpatterns = [
    *views.urlpatterns,
    *views_intake.urlpatterns,
    *views_privacy.urlpatterns,
    *views_stats.urlpatterns,
]
