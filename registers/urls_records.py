from django.urls import path

from registers import views_records as views

urlpatterns = [
    path("records/", views.records_home, name="records_home"),
    path("units/<int:pk>/trainings/", views.training_list, name="training_list"),
    path("units/<int:pk>/trainings/new/", views.training_create, name="training_create"),
    path("trainings/<int:pk>/", views.training_detail, name="training_detail"),
    path("trainings/<int:pk>/edit/", views.training_edit, name="training_edit"),
    path("trainings/<int:pk>/delete/", views.training_delete, name="training_delete"),
    path("units/<int:pk>/activities/", views.activity_list, name="activity_list"),
    path("units/<int:pk>/activities/new/", views.activity_create, name="activity_create"),
    path("activities/<int:pk>/", views.activity_detail, name="activity_detail"),
    path("activities/<int:pk>/edit/", views.activity_edit, name="activity_edit"),
    path("activities/<int:pk>/delete/", views.activity_delete, name="activity_delete"),
    path(
        "activities/<int:pk>/evidence/",
        views.activity_evidence_upload,
        name="activity_evidence_upload",
    ),
    path("evidence/<int:pk>/download/", views.evidence_download, name="evidence_download"),
    path("evidence/<int:pk>/delete/", views.evidence_delete, name="evidence_delete"),
    path("units/<int:pk>/inclusion/", views.inclusion_checklist, name="inclusion_checklist"),
    path(
        "units/<int:pk>/inclusion/<int:year>/<slug:item>/evidence/",
        views.inclusion_evidence_upload,
        name="inclusion_evidence_upload",
    ),
    path(
        "units/<int:pk>/inclusion/overview/",
        views.inclusion_overview,
        name="inclusion_overview",
    ),
    path("units/<int:pk>/profile/", views.profile_page, name="profile_page"),
    path(
        "units/<int:pk>/profile/<int:year>/<slug:slot>/evidence/",
        views.profile_evidence_upload,
        name="profile_evidence_upload",
    ),
]
