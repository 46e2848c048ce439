from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

import cases.api
import cases.api_enforcement
import cases.urls
import dashboards.urls
import reputation.api
import reputation.urls
import standards.urls
from trustconsole import views, views_audit
from trustconsole.api import api, api_urls

api.add_router("", cases.api.router)
api.add_router("", cases.api_enforcement.router)
api.add_router("", reputation.api.router)

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("account/password/", views.password_change, name="password_change"),
    path("audit/", views_audit.audit_log, name="audit_log"),
    path("audit/export.csv", views_audit.audit_export, name="audit_export"),
    # django-rq links here for the old rq-scheduler package, which we do not use: RQ's own
    # scheduler runs inside `make worker`. Answer plainly instead of crashing.
    path(
        "admin/django_rq/dashboard/schedulers/<int:scheduler_index>/",
        admin.site.admin_view(views.no_rq_scheduler),
        name="no_rq_scheduler",
    ),
    path("admin/", admin.site.urls),
    path("api/v1/", api_urls()),
    path("", include(cases.urls)),
    path("", include(reputation.urls)),
    path("", include(standards.urls)),
    path("", include(dashboards.urls)),
]
