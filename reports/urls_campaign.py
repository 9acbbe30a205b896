"""The campaign's reports, included by reports/urls.py into the `reports` namespace."""

from django.urls import path

from reports import views_campaign as views

urlpatterns = [
    path("progress/<int:pk>/", views.progress_page, name="progress"),
    path("progress/<int:pk>/report.xlsx", views.progress_xlsx, name="progress_xlsx"),
    path("progress/<int:pk>/report.pdf", views.progress_pdf, name="progress_pdf"),
    path("jobs/<uuid:pk>/", views.report_job, name="report_job"),
    path("jobs/<uuid:pk>/download/", views.report_job_download, name="report_job_download"),
]
urlpatterns += [
    path(
        "rounds/<int:pk>/<str:title>/commendation.xlsx",
        views.commendation_xlsx,
        name="commendation_xlsx",
    ),
    path(
        "rounds/<int:pk>/<str:title>/commendation.pdf",
        views.commendation_pdf,
        name="commendation_pdf",
    ),
    path(
        "rounds/<int:pk>/<str:title>/certificates.pdf",
        views.certificates_pdf,
        name="certificates_pdf",
    ),
    path("titles/<int:pk>/certificate.pdf", views.certificate_pdf, name="certificate_pdf"),
]
