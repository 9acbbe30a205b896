from django.urls import path

from orgs import views

app_name = "orgs"
urlpatterns = [
    path("", views.tree, name="tree"),
    path("<int:pk>/", views.unit_detail, name="unit"),
    path("<int:pk>/new/", views.unit_create, name="create"),
    path("<int:pk>/edit/", views.unit_edit, name="edit"),
    path("<int:pk>/move/", views.unit_move, name="move"),
    path("<int:pk>/retire/", views.unit_retire, name="retire"),
    path("<int:pk>/reinstate/", views.unit_reinstate, name="reinstate"),
    path("<int:pk>/delete/", views.unit_delete, name="delete"),
]
