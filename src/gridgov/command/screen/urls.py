from django.urls import URLPattern, URLResolver, path

from gridgov.command.screen import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.screen, name="screen"),
    path("phone/", views.phone, name="screen_phone"),
]
