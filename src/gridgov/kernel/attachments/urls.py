from django.urls import path

from gridgov.kernel.attachments import views

app_name = "attachments"

urlpatterns = [
    path("<str:model>/<int:pk>/", views.download, name="download"),
]
