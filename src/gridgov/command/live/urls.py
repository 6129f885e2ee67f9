from django.urls import URLPattern, URLResolver, path

from gridgov.command.live import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("stream", views.stream, name="live_stream"),
    path("status", views.status, name="live_status"),
]
