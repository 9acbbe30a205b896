from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from accounts import views as account_views
from api.urls import api
from sanlian import health
from sanlian import views as sanlian_views

urlpatterns = [
    path("", sanlian_views.home, name="home"),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("login/", account_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("audit/", account_views.audit_log, name="audit_log"),
    path("units/", include("orgs.urls")),
    path("registers/", include("registers.urls")),
    path("standards/", include("standards.urls")),
    path("assessments/", include("assessments.urls")),
    path("campaigns/", include("campaigns.urls")),
    path("dashboards/", include("dashboards.urls")),
    path("reports/", include("reports.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
]
