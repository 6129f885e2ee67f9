from django.urls import URLPattern, URLResolver, path

from gridgov.command.alerts import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.alerts_list, name="alerts_list"),
    path("<int:pk>/acknowledge/", views.alerts_acknowledge, name="alerts_acknowledge"),
]
