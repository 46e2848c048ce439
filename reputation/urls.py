from django.urls import path

from reputation import views

app_name = "reputation"
urlpatterns = [
    path("accounts/<str:external_id>/overrides", views.request_override, name="request_override"),
    path(
        "accounts/<str:external_id>/overrides/<int:override_id>/approve",
        views.approve_override,
        name="approve_override",
    ),
    path(
        "accounts/<str:external_id>/overrides/<int:override_id>/reject", views.reject_override, name="reject_override"
    ),
    path("reputation/drafts/", views.draft_list, name="drafts"),
    path("reputation/simulations/", views.start_simulation, name="start_simulation"),
    path("reputation/simulations/<int:simulation_id>/", views.simulation_detail, name="simulation"),
    path("reputation/simulations/<int:simulation_id>/publish", views.publish_simulation, name="publish_simulation"),
]
