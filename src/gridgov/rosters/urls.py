"""Roster pages: places and staff (views_places), people and special groups (views), Excel
import and export (views_import)."""

from gridgov.rosters import views, views_import, views_places

app_name = "rosters"
urlpatterns = [*views.urlpatterns, *views_places.urlpatterns, *views_import.urlpatterns]
