"""Case pages: work queues, list and detail (views), reporting and imports (views_intake),
statistics (views_stats)."""

from gridgov.cases import views, views_intake, views_stats

app_name = "cases"
urlpatterns = [*views.urlpatterns, *views_intake.urlpatterns, *views_stats.urlpatterns]
