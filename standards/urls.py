from django.urls import path

from standards import views

app_name = "standards"
urlpatterns = [
    path("", views.standard_list, name="list"),
    path("<int:pk>/", views.standard_detail, name="detail"),
    path("<int:pk>/export.<str:fmt>", views.standard_export, name="export"),
    path("<int:pk>/copy/", views.standard_copy, name="copy"),
    path("<int:pk>/confirm/", views.standard_confirm, name="confirm"),
    path("<int:pk>/edit/", views.standard_edit, name="edit"),
    path("<int:pk>/sections/add/", views.section_add, name="section_add"),
    path("<int:pk>/stages/add/", views.stage_add, name="stage_add"),
    path("sections/<int:pk>/edit/", views.section_edit, name="section_edit"),
    path("sections/<int:pk>/items/add/", views.item_add, name="item_add"),
    path("items/<int:pk>/edit/", views.item_edit, name="item_edit"),
    path("stages/<int:pk>/edit/", views.stage_edit, name="stage_edit"),
    path("<str:kind>/<int:pk>/delete/", views.part_delete, name="delete"),
    path("<str:kind>/<int:pk>/move/<str:direction>/", views.part_move, name="move"),
]
