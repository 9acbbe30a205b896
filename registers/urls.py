from django.urls import include, path

app_name = "registers"
urlpatterns = [
    path("", include("registers.urls_members")),
    path("", include("registers.urls_records")),
    path("", include("registers.urls_imports")),
]
