from django.urls import path

from gridgov.workcal import views

app_name = "workcal"
urlpatterns = [
    path("", views.calendar_index, name="index"),
    path("sync/", views.calendar_sync, name="sync"),
    path("<int:year>/", views.calendar_year, name="year"),
    path("<int:year>/edit/", views.calendar_edit, name="edit"),
]
