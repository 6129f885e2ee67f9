from django.urls import path

from gridgov.areas import views

app_name = "areas"
urlpatterns = [
    path("", views.index, name="index"),
    path("map.json", views.roots_map_json, name="roots_map_json"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/map.json", views.map_json, name="map_json"),
    path("<int:pk>/new/", views.create_child, name="create_child"),
    path("<int:pk>/rename/", views.rename, name="rename"),
    path("<int:pk>/boundary/", views.boundary, name="boundary"),
]
