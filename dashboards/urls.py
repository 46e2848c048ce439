from django.urls import path

from dashboards import views

app_name = "dashboards"
urlpatterns = [
    path("dashboards/", views.operations_dashboard, name="operations"),
    path("dashboards/quality/", views.quality_dashboard, name="quality"),
    path("dashboards/fairness/", views.fairness_dashboard, name="fairness"),
]
