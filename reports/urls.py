from django.urls import include, path

from reports import views

app_name = "reports"
urlpatterns = [
    path("", views.reports_home, name="home"),
    path("assessments/<int:pk>/sheet/", views.assessment_sheet, name="assessment_sheet"),
    path("assessments/<int:pk>/sheet.pdf", views.assessment_sheet_pdf, name="assessment_sheet_pdf"),
    path("assessments/<int:pk>/approval-form/", views.approval_form, name="approval_form"),
    path(
        "assessments/<int:pk>/approval-form.pdf",
        views.approval_form_pdf,
        name="approval_form_pdf",
    ),
    path("", include("reports.urls_campaign")),
]
