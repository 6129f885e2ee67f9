from django.urls import URLPattern, URLResolver, path

from gridgov.command.reports import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.reports_list, name="reports_list"),
    path("subscribe/", views.reports_subscribe, name="reports_subscribe"),
    path("unsubscribe/", views.reports_unsubscribe, name="reports_unsubscribe"),
    path("<int:pk>/<str:fmt>/", views.reports_download, name="reports_download"),
]
