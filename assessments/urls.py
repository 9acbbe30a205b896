from django.urls import path

from assessments import (
    views,
    views_bulk,
    views_groups,
    views_rerating,
    views_selection,
    views_sheet,
    views_titles,
)

app_name = "assessments"
urlpatterns = [
    path("", views.round_list, name="rounds"),
    path("waiting/", views.waiting, name="waiting"),
    path("waiting/award/", views_bulk.decide_many, name="decide_many"),
    path("waiting/award/done/", views_bulk.decide_many_done, name="decide_many_done"),
    path("rounds/new/", views.round_create, name="round_create"),
    path("rounds/<int:pk>/", views.round_detail, name="round"),
    path("rounds/<int:pk>/apply/", views.apply, name="apply"),
    path("rounds/<int:pk>/rerating/", views_rerating.rerating, name="rerating"),
    path("rounds/<int:pk>/groups/", views_groups.group_villages, name="group_villages"),
    path(
        "rounds/<int:pk>/groups/<int:village_pk>/",
        views_groups.village_groups,
        name="group_ratings",
    ),
    path("rounds/<int:pk>/selection/", views_selection.selection_page, name="selection"),
    path("rounds/<int:pk>/spot-checks/", views_titles.spot_checks, name="spot_checks"),
    path("spot-checks/<int:pk>/", views_titles.spot_check, name="spot_check"),
    path("spot-checks/entries/<int:pk>/", views_titles.inspect, name="inspect"),
    path("titles/<int:pk>/revoke/", views_titles.revoke, name="revoke"),
    path("<int:pk>/", views_sheet.sheet, name="sheet"),
    path("<int:pk>/evidence/", views_sheet.upload_evidence, name="evidence"),
    path(
        "<int:pk>/evidence/<int:evidence_pk>/delete/",
        views_sheet.delete_evidence,
        name="delete_evidence",
    ),
    path("<int:pk>/comment/", views_sheet.comment, name="comment"),
    path("<int:pk>/<slug:name>/", views_sheet.act, name="act"),
]
