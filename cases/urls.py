from django.urls import path

from cases import views

app_name = "cases"

urlpatterns = [
    path("queue/", views.queue_list, name="queue"),
    path("queue/<slug:queue_slug>/next", views.claim_next, name="claim_next"),
    path("cases/<int:case_id>/", views.case_detail, name="case"),
    path("cases/<int:case_id>/notes", views.add_note, name="add_note"),
    path("cases/<int:case_id>/escalate", views.escalate, name="escalate"),
    path("cases/<int:case_id>/release", views.release, name="release"),
    path("cases/<int:case_id>/reassign", views.reassign, name="reassign"),
    path("cases/<int:case_id>/lease", views.renew_lease, name="renew_lease"),
    path("cases/<int:case_id>/accounts/<int:account_id>/email", views.reveal_email, name="reveal_email"),
    path("cases/<int:case_id>/accounts/<int:account_id>/notes", views.add_account_note, name="add_account_note"),
    path("leave", views.leave, name="leave"),
]
