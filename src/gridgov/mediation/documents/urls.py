"""/mediation/documents/…: a dispute's documents, the templates, 转人民调解 from a case."""

from django.urls import URLPattern, path

from gridgov.mediation.documents import views

urlpatterns: list[URLPattern] = [
    path("templates/", views.templates, name="documents_templates"),
    path(
        "templates/<int:pk>/deactivate/",
        views.template_deactivate,
        name="documents_template_deactivate",
    ),
    path(
        "templates/<str:kind>/download/",
        views.template_download,
        name="documents_template_download",
    ),
    path(
        "cases/<int:case_pk>/to-mediation/",
        views.case_to_mediation,
        name="case_to_mediation",
    ),
    path("<int:pk>/", views.dispute_documents, name="documents_dispute"),
    path("<int:pk>/generate/<str:kind>/", views.generate_document, name="documents_generate"),
    path("<int:pk>/signed/", views.upload_signed, name="documents_signed"),
    path("<int:pk>/open-case/", views.open_case, name="documents_open_case"),
]
