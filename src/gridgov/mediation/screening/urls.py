"""Screening pages, under /mediation/screening/ (names prefixed ``screening_``)."""

from django.urls import path

from gridgov.mediation.screening import views

urlpatterns = [
    path("", views.rounds, name="screening_rounds"),
    path("mine/", views.mine, name="screening_mine"),
    path("rounds/<int:pk>/", views.round_detail, name="screening_round"),
    path("returns/<int:pk>/", views.file_disputes, name="screening_return"),
    path("returns/<int:pk>/nothing-found", views.nothing_found, name="screening_nothing_found"),
    path("plans/", views.plans, name="screening_plans"),
    path("plans/<int:area_pk>/", views.plan_set, name="screening_plan_set"),
    path("plans/<int:area_pk>/open", views.round_open, name="screening_round_open"),
]
