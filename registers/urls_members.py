from django.urls import path

from registers.views import members as views

urlpatterns = [
    path("members/", views.members_home, name="members_home"),
    path("units/<int:unit_id>/", views.unit_register, name="unit_register"),
    path("units/<int:unit_id>/members/", views.member_list, name="member_list"),
    path("units/<int:unit_id>/members/new/", views.member_create, name="member_create"),
    path("units/<int:unit_id>/members/validate/", views.member_validate, name="member_validate"),
    path("units/<int:unit_id>/posts/new/", views.post_create, name="post_create"),
    path("members/<int:pk>/", views.member_detail, name="member_detail"),
    path("members/<int:pk>/edit/", views.member_edit, name="member_edit"),
    path("members/<int:pk>/status/", views.member_status, name="member_status"),
    path("members/<int:pk>/transfer/", views.member_transfer, name="member_transfer"),
    path("members/<int:pk>/reveal/", views.member_reveal, name="member_reveal"),
    path("posts/<int:pk>/end/", views.post_end, name="post_end"),
]
