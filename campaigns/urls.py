from django.urls import path

from campaigns import views, views_plan_levels

app_name = "campaigns"

urlpatterns = [
    path("", views.home, name="home"),
    path("new/<int:unit_pk>/", views.campaign_create, name="campaign_create"),
    path("<int:pk>/", views.campaign_detail, name="campaign"),
    path("<int:pk>/edit/", views.campaign_edit, name="campaign_edit"),
    path("<int:pk>/plans/", views.plans_overview, name="plans"),
    path("<int:pk>/pilots/", views.pilots_overview, name="pilots_overview"),
    path("<int:pk>/townships/<int:township_pk>/", views.township, name="township"),
    path(
        "<int:pk>/townships/<int:township_pk>/targets/",
        views.township_target_edit,
        name="township_targets",
    ),
    path("<int:pk>/townships/<int:township_pk>/survey/", views.survey, name="survey"),
    path(
        "<int:pk>/townships/<int:township_pk>/survey/save/", views.survey_save, name="survey_save"
    ),
    path(
        "<int:pk>/townships/<int:township_pk>/survey/<int:village_pk>/",
        views.survey_entry,
        name="survey_entry",
    ),
    path("<int:pk>/townships/<int:township_pk>/plan/", views.plan, name="plan"),
    path("<int:pk>/townships/<int:township_pk>/plan/check/", views.plan_check, name="plan_check"),
    path(
        "<int:pk>/townships/<int:township_pk>/plan/levels/",
        views_plan_levels.plan_levels_save,
        name="plan_levels",
    ),
    path(
        "<int:pk>/townships/<int:township_pk>/plan/submit/", views.plan_submit, name="plan_submit"
    ),
    path(
        "<int:pk>/townships/<int:township_pk>/plan/versions/<int:number>/",
        views.plan_version,
        name="plan_version",
    ),
    path("<int:pk>/townships/<int:township_pk>/pilots/", views.pilots, name="pilots"),
    path("pilots/<int:pk>/remove/", views.pilot_remove, name="pilot_remove"),
]
