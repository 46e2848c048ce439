from django.urls import path

from cases import views, views_accounts, views_enforcement, views_qa
from cases.models import ActionKind

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
    path("cases/<int:case_id>/act", views_enforcement.action_form, name="action_form"),
    path("cases/<int:case_id>/dismiss", views_enforcement.dismiss, name="dismiss"),
    path("approvals/", views_enforcement.approvals, name="approvals"),
    path("actions/<int:action_id>/approve", views_enforcement.approve, name="approve"),
    path("actions/<int:action_id>/reject", views_enforcement.reject, name="reject"),
    path("actions/<int:action_id>/appeal", views_enforcement.file_appeal, name="file_appeal"),
    path("appeals/", views_enforcement.appeal_list, name="appeals"),
    path("appeals/<int:appeal_id>/decide", views_enforcement.decide, name="decide_appeal"),
    path("bulk/", views_enforcement.bulk_start, name="bulk_start"),
    path("bulk/<uuid:operation_id>", views_enforcement.bulk_status, name="bulk_status"),
    path("qa/", views_qa.qa_home, name="qa"),
    path("qa/next", views_qa.qa_next, name="qa_next"),
    path("qa/<int:review_id>/", views_qa.qa_review, name="qa_review"),
    path("qa/<int:review_id>/verdict", views_qa.qa_submit, name="qa_submit"),
    path("accounts/<str:external_id>/", views_accounts.account_detail, name="account"),
    path(
        "accounts/<str:external_id>/contracts/<int:contract_id>/private",
        views_accounts.reveal_private,
        name="reveal_private",
    ),
]
# One POST endpoint per action verb, e.g. /cases/7/suspend.
urlpatterns += [
    path(f"cases/<int:case_id>/{kind}", views_enforcement.take_action, {"kind": kind}, name=f"act_{kind}")
    for kind in ActionKind.values
]
