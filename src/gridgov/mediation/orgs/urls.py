"""/mediation/orgs/: committees, rooms, mediators and dispute types (names ``orgs_*`` in the
``mediation`` namespace)."""

from django.urls import URLPattern, path

from gridgov.mediation.orgs import views

urlpatterns: list[URLPattern] = [
    path("", views.index, name="orgs_index"),
    path("committees/new/", views.committee_create, name="orgs_committee_create"),
    path("committees/<int:pk>/edit/", views.committee_edit, name="orgs_committee_edit"),
    path("rooms/new/", views.room_create, name="orgs_room_create"),
    path("rooms/<int:pk>/edit/", views.room_edit, name="orgs_room_edit"),
    path("mediators/new/", views.mediator_create, name="orgs_mediator_create"),
    path("mediators/<int:pk>/edit/", views.mediator_edit, name="orgs_mediator_edit"),
    path("types/", views.type_list, name="orgs_types"),
    path("types/new/", views.type_create, name="orgs_type_create"),
    path("types/<int:pk>/edit/", views.type_edit, name="orgs_type_edit"),
]
