from django.urls import path

from gridgov.notifications import views

app_name = "notifications"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("<int:pk>/open", views.open_notification, name="open"),
    path("read-all", views.read_all, name="read_all"),
    path("settings", views.settings_page, name="settings"),
]
