"""Party-building pages: organisations, members, 双报到 and meetings."""

from gridgov.party import views

app_name = "party"
urlpatterns = [*views.urlpatterns]
