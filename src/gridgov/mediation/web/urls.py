"""The dispute pages, under /mediation/ (namespace ``mediation``)."""

from django.urls import URLPattern, path

from gridgov.mediation.web.views import detail, lists, register

urlpatterns: list[URLPattern] = [
    path("", lists.dispute_list, name="dispute_list"),
    path("mine/", lists.dispute_mine, name="dispute_mine"),
    path("board/", lists.high_risk_board, name="dispute_board"),
    path("new/", register.dispute_register, name="dispute_register"),
    path("<int:pk>/", detail.dispute_detail, name="dispute_detail"),
    path("<int:pk>/act/<slug:action>/", detail.dispute_act, name="dispute_act"),
]
