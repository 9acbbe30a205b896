from django.urls import path

from dashboards import views

app_name = "dashboards"
urlpatterns = [
    path("", views.home, name="home"),
    path("unit/<int:pk>/", views.unit_dashboard, name="unit"),
]
