from django.urls import path

from standards import views

app_name = "standards"
urlpatterns = [
    path("clients/standards/", views.standings_list, name="list"),
    path("clients/outreach/", views.decision_queue, name="queue"),
    path("clients/<str:external_id>/standards/", views.client_standards, name="client"),
    path("clients/<str:external_id>/standards/decide", views.decide, name="decide"),
]
