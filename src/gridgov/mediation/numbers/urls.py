"""/mediation/stats/: the mediation figures page and the register (台账) export."""

from django.urls import URLPattern, path

from gridgov.mediation.numbers import views

urlpatterns: list[URLPattern] = [
    path("", views.numbers_page, name="numbers"),
    path("register.xlsx", views.numbers_export, name="numbers_export"),
]
