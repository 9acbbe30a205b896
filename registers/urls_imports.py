from django.urls import path

from registers.views import imports as views

urlpatterns = [
    path("import/", views.import_start, name="import"),
    path("import/<uuid:job_id>/", views.import_job, name="import_job"),
    path("import/<uuid:job_id>/progress/", views.import_progress, name="import_progress"),
    path("import/<uuid:job_id>/confirm/", views.import_confirm, name="import_confirm"),
    path("import/templates/<slug:kind>.xlsx", views.import_template, name="import_template"),
    path("import/templates/<slug:kind>/", views.import_help, name="import_help"),
]
