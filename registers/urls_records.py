from django.urls import path

from registers.views import inclusion, records

urlpatterns = [
    path("records/", records.records_home, name="records_home"),
    path("units/<int:pk>/trainings/", records.training_list, name="training_list"),
    path("units/<int:pk>/trainings/new/", records.training_create, name="training_create"),
    path("trainings/<int:pk>/", records.training_detail, name="training_detail"),
    path("trainings/<int:pk>/edit/", records.training_edit, name="training_edit"),
    path("trainings/<int:pk>/delete/", records.training_delete, name="training_delete"),
    path("units/<int:pk>/activities/", records.activity_list, name="activity_list"),
    path("units/<int:pk>/activities/new/", records.activity_create, name="activity_create"),
    path("activities/<int:pk>/", records.activity_detail, name="activity_detail"),
    path("activities/<int:pk>/edit/", records.activity_edit, name="activity_edit"),
    path("activities/<int:pk>/delete/", records.activity_delete, name="activity_delete"),
    path(
        "activities/<int:pk>/evidence/",
        records.activity_evidence_upload,
        name="activity_evidence_upload",
    ),
    path("evidence/<int:pk>/download/", records.evidence_download, name="evidence_download"),
    path("evidence/<int:pk>/delete/", records.evidence_delete, name="evidence_delete"),
    path("units/<int:pk>/inclusion/", inclusion.inclusion_checklist, name="inclusion_checklist"),
    path(
        "units/<int:pk>/inclusion/<int:year>/<slug:item>/evidence/",
        inclusion.inclusion_evidence_upload,
        name="inclusion_evidence_upload",
    ),
    path(
        "units/<int:pk>/inclusion/overview/",
        inclusion.inclusion_overview,
        name="inclusion_overview",
    ),
    path("units/<int:pk>/profile/", inclusion.profile_page, name="profile_page"),
    path(
        "units/<int:pk>/profile/<int:year>/<slug:slot>/evidence/",
        inclusion.profile_evidence_upload,
        name="profile_evidence_upload",
    ),
]
