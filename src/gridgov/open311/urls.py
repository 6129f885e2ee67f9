"""GeoReport v2 at /open311/v2/: every endpoint answers XML or JSON by its extension."""

from django.urls import URLPattern, path, re_path

from gridgov.open311 import views

app_name = "open311"

_FMT = r"\.(?P<fmt>xml|json)$"

urlpatterns: list[URLPattern] = [
    path("", views.root, name="root"),
    re_path(r"^discovery" + _FMT, views.discovery, name="discovery"),
    re_path(r"^services" + _FMT, views.service_list, name="services"),
    re_path(r"^services/(?P<code>[^/]+)" + _FMT, views.service_definition, name="service"),
    re_path(r"^requests" + _FMT, views.requests, name="requests"),
    re_path(r"^requests/(?P<pk>[^/]+)" + _FMT, views.request_detail, name="request"),
    re_path(r"^tokens/(?P<token>[^/]+)" + _FMT, views.token_detail, name="token"),
    re_path(r"^(?P<rest>.*)$", views.not_found, name="not_found"),
]
