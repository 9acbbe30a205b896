from django.urls import include, path

from registers.views.exports import export

app_name = "registers"
urlpatterns = [
    path("", include("registers.urls_members")),
    path("", include("registers.urls_records")),
    path("", include("registers.urls_imports")),
    path("export/", export, name="export"),
]
