from django.urls import URLPattern, path  # noqa: F401

app_name = "open311"
urlpatterns: list[URLPattern] = []
