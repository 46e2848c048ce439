"""QA sampling of decided cases and the blind second review."""

import threading
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from cases.models import QaReview, QaSampling, QaVerdict
from cases.services import enforcement, qa
from cases.tests.conftest import act
from conftest import client_for, make_staff
from trustconsole.models import AuditAction, AuditEvent
from trustconsole.roles import ANALYST


@pytest.fixture
def sample_everything(db):
    QaSampling.objects.update(share_percent=Decimal("100"))


@pytest.fixture
def second_analyst(db):
    return make_staff("second", [ANALYST])


def dismiss(actor, case):
    case.refresh_from_db()
    return enforcement.dismiss_case(actor=actor, case_id=case.pk, expected_version=case.version, reason="No fee.")


def test_the_default_share_is_installed_by_migration(db):
    assert QaSampling.objects.get().share_percent == Decimal("5.00")


def test_a_sampled_dismissal_keeps_the_first_decision_and_says_so_in_the_audit_log(analyst, claimed, sample_everything):
    case = dismiss(analyst, claimed())
    review = QaReview.objects.get(case=case)
    assert (review.first_reviewer, review.first_verdict, review.policy_id) == (
        analyst,
        QaVerdict.NO_VIOLATION,
        case.policy_id,
    )
    assert review.reviewer is None and not review.done
    event = AuditEvent.objects.get(action=AuditAction.QA_SAMPLED)
    assert (event.case_id, event.changes) == (case.pk, {"qa_review": [None, review.pk]})


def test_a_sampled_action_records_its_kind_and_who_proposed_it(analyst, lead, claimed, sample_everything):
    case = claimed()
    act(analyst, case, "warn")
    review = QaReview.objects.get(case=case)
    assert (review.first_reviewer, review.first_verdict) == (analyst, QaVerdict.WARN)


def test_an_approved_action_is_credited_to_its_proposer_not_the_approver(analyst, lead, claimed, sample_everything):
    case = claimed()
    action = act(analyst, case, "ban", deviation_reason="Same payout card as banned accounts.")
    enforcement.approve_action(actor=lead, action_id=action.pk)
    case.refresh_from_db()
    assert (case.decided_by, case.decided_at) == (analyst, action.created_at)
    assert QaReview.objects.get(case=case).first_reviewer == analyst


def test_nothing_is_sampled_at_zero_percent(analyst, claimed):
    QaSampling.objects.update(share_percent=0)
    dismiss(analyst, claimed())
    assert not QaReview.objects.exists()


def test_the_sample_takes_about_the_configured_share_and_is_reproducible():
    picked = [case_id for case_id in range(1, 4001) if qa.is_sampled(case_id, Decimal("10"))]
    assert 360 <= len(picked) <= 440
    assert picked == [case_id for case_id in range(1, 4001) if qa.is_sampled(case_id, Decimal("10"))]
    # A larger share keeps every case a smaller one took, so raising it never drops a sample.
    assert set(picked) <= {case_id for case_id in range(1, 4001) if qa.is_sampled(case_id, Decimal("25"))}


def test_the_sample_depends_on_the_secret_key_so_analysts_cannot_predict_it(settings):
    before = [qa.sample_bucket(case_id) for case_id in range(1, 50)]
    settings.SECRET_KEY = "another-secret-key-for-this-test-only-0123456789-abcdefghijklmnopqrstuvwxyz"
    assert [qa.sample_bucket(case_id) for case_id in range(1, 50)] != before


def test_a_reopened_case_decided_again_is_not_sampled_twice(analyst, lead, claimed, sample_everything):
    from cases.services import appeals

    case = claimed()
    action = act(analyst, case, "warn")
    appeal, _ = appeals.file_appeal(actor=analyst, action_id=action.pk, statement="Not me.", filed_via="analyst:x")
    appeals.decide_appeal(actor=lead, appeal_id=appeal.pk, outcome="overturn", note="Wrong account.", reopen=True)
    case.refresh_from_db()
    from cases.services import work

    work.claim_next_case(actor=analyst, queue=case.queue)
    dismiss(analyst, case)
    assert QaReview.objects.filter(case=case).count() == 1


def test_the_next_review_is_never_the_reviewers_own_decision(analyst, second_analyst, claimed, sample_everything):
    dismiss(analyst, claimed())
    assert qa.take_next_review(actor=analyst) is None
    review = qa.take_next_review(actor=second_analyst)
    assert review.reviewer == second_analyst and review.assigned_at is not None
    # Asking again gives the same review in progress, not a second one.
    assert qa.take_next_review(actor=second_analyst).pk == review.pk
    assert AuditEvent.objects.filter(action=AuditAction.QA_ASSIGNED).count() == 1


def test_an_auditor_cannot_take_or_record_reviews(auditor, analyst, claimed, sample_everything):
    dismiss(analyst, claimed())
    with pytest.raises(PermissionDenied):
        qa.take_next_review(actor=auditor)
    with pytest.raises(PermissionDenied):
        qa.complete_review(actor=auditor, review_id=QaReview.objects.get().pk, verdict="warn")


@pytest.mark.parametrize(
    ("second", "outcome", "action"),
    [("no_violation", True, True), ("warn", False, False)],
)
def test_recording_a_review_compares_it_with_the_first(
    analyst, second_analyst, claimed, sample_everything, second, outcome, action
):
    dismiss(analyst, claimed())
    review = qa.take_next_review(actor=second_analyst)
    qa.complete_review(actor=second_analyst, review_id=review.pk, verdict=second, note="  Looked at the post. ")
    review.refresh_from_db()
    assert (review.verdict, review.note, review.outcome_agrees, review.action_agrees) == (
        second,
        "Looked at the post.",
        outcome,
        action,
    )
    event = AuditEvent.objects.get(action=AuditAction.QA_REVIEWED)
    assert event.context["outcome_agrees"] is outcome and event.changes == {"qa_verdict": [None, second]}


def test_a_different_action_agrees_on_the_violation_but_not_the_action(
    analyst, second_analyst, claimed, sample_everything
):
    case = claimed()
    act(analyst, case, "warn")
    review = qa.take_next_review(actor=second_analyst)
    qa.complete_review(actor=second_analyst, review_id=review.pk, verdict="suspend")
    review.refresh_from_db()
    assert (review.outcome_agrees, review.action_agrees) == (True, False)


@pytest.mark.parametrize(
    ("who", "verdict", "message"),
    [
        ("second", "maybe", "Choose a verdict"),
        ("second", "", "Choose a verdict"),
        ("first", "warn", "cannot be done by whoever decided"),
        ("third", "warn", "assigned to someone else"),
    ],
)
def test_bad_reviews_are_refused_and_change_nothing(
    analyst, second_analyst, claimed, sample_everything, who, verdict, message
):
    dismiss(analyst, claimed())
    review = qa.take_next_review(actor=second_analyst)
    actor = {"first": analyst, "second": second_analyst, "third": make_staff("third", [ANALYST])}[who]
    audit_rows = AuditEvent.objects.count()
    with pytest.raises((ValidationError, PermissionDenied), match=message):
        qa.complete_review(actor=actor, review_id=review.pk, verdict=verdict)
    review.refresh_from_db()
    assert (review.verdict, review.completed_at, AuditEvent.objects.count()) == ("", None, audit_rows)


def test_a_review_is_recorded_once(analyst, second_analyst, claimed, sample_everything):
    dismiss(analyst, claimed())
    review = qa.take_next_review(actor=second_analyst)
    qa.complete_review(actor=second_analyst, review_id=review.pk, verdict="no_violation")
    with pytest.raises(ValidationError, match="already recorded"):
        qa.complete_review(actor=second_analyst, review_id=review.pk, verdict="ban")
    review.refresh_from_db()
    assert review.verdict == "no_violation"


def test_an_over_long_note_is_refused(analyst, second_analyst, claimed, sample_everything):
    dismiss(analyst, claimed())
    review = qa.take_next_review(actor=second_analyst)
    with pytest.raises(ValidationError, match="4,000"):
        qa.complete_review(actor=second_analyst, review_id=review.pk, verdict="warn", note="x" * 4001)


# --- screens ---------------------------------------------------------------------------------


def test_the_review_page_is_blind_to_the_first_decision(analyst, second_analyst, claimed, sample_everything):
    case = claimed()
    act(analyst, case, "warn", facts="Asked for a registration fee in job post FIRST-DECISION-FACTS.")
    review = qa.take_next_review(actor=second_analyst)
    page = client_for(second_analyst).get(f"/qa/{review.pk}/")
    html = page.content.decode()
    assert page.status_code == 200 and "Pay a $50 fee to apply" in html
    for hidden in ("FIRST-DECISION-FACTS", "Violation: warn by", "by ana<", "Actioned", "The two decisions"):
        assert hidden not in html


def test_the_verdict_form_records_the_review_and_returns_to_the_qa_page(
    analyst, second_analyst, claimed, sample_everything
):
    dismiss(analyst, claimed())
    review = qa.take_next_review(actor=second_analyst)
    response = client_for(second_analyst).post(f"/qa/{review.pk}/verdict", {"verdict": "warn", "note": "Fee asked."})
    review.refresh_from_db()
    assert response.status_code == 302 and response["Location"] == "/qa/"
    assert (review.verdict, review.outcome_agrees) == ("warn", False)


def test_the_verdict_form_shows_a_bad_choice_and_records_nothing(analyst, second_analyst, claimed, sample_everything):
    dismiss(analyst, claimed())
    review = qa.take_next_review(actor=second_analyst)
    response = client_for(second_analyst).post(f"/qa/{review.pk}/verdict", {"verdict": "delete-everything"})
    review.refresh_from_db()
    assert response.status_code == 400 and "Select a valid choice" in response.content.decode()
    assert review.verdict == ""


def test_another_analyst_cannot_open_or_answer_someone_elses_review(
    analyst, second_analyst, claimed, sample_everything
):
    dismiss(analyst, claimed())
    review = qa.take_next_review(actor=second_analyst)
    outsider = client_for(make_staff("third", [ANALYST]))
    assert outsider.get(f"/qa/{review.pk}/").status_code == 403
    assert outsider.post(f"/qa/{review.pk}/verdict", {"verdict": "ban"}).status_code == 403
    # Not even the first decider may look while the review is blind.
    assert client_for(analyst).get(f"/qa/{review.pk}/").status_code == 403


def test_a_lead_reads_a_finished_review_with_both_decisions(analyst, second_analyst, lead, claimed, sample_everything):
    dismiss(analyst, claimed())
    review = qa.take_next_review(actor=second_analyst)
    qa.complete_review(actor=second_analyst, review_id=review.pk, verdict="warn", note="<b>fee</b>")
    html = client_for(lead).get(f"/qa/{review.pk}/").content.decode()
    assert "No violation by ana<" in html and "Violation: warn by second" in html
    assert "&lt;b&gt;fee&lt;/b&gt;" in html and "<b>fee</b>" not in html


def test_next_review_with_nothing_waiting_says_so(second_analyst, db):
    response = client_for(second_analyst).post("/qa/next", follow=True)
    assert "No sampled case is waiting" in response.content.decode()


def test_the_qa_page_takes_the_next_review(analyst, second_analyst, claimed, sample_everything):
    dismiss(analyst, claimed())
    client = client_for(second_analyst)
    assert "1 sampled case waits" in client.get("/qa/").content.decode()
    response = client.post("/qa/next")
    review = QaReview.objects.get()
    assert response["Location"] == f"/qa/{review.pk}/" and review.reviewer == second_analyst


# --- concurrency on PostgreSQL ------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_eight_reviewers_taking_reviews_at_once_never_share_one(analyst, make_case):
    from cases.services import work

    # A transactional test starts from a flushed database, without the migration's row.
    QaSampling.objects.all().delete()
    QaSampling.objects.create(share_percent=Decimal("100"))
    for n in range(8):
        case = make_case(subject=f"cl-qa-{n}")
        work.claim_next_case(actor=analyst, queue=case.queue)
        dismiss(analyst, case)
    assert QaReview.objects.count() == 8
    reviewers = [make_staff(f"reviewer-{n}", [ANALYST]) for n in range(8)]
    taken, barrier = [], threading.Barrier(len(reviewers))

    def take(reviewer):
        try:
            barrier.wait()
            taken.append(qa.take_next_review(actor=reviewer).pk)
        finally:
            connection.close()

    threads = [threading.Thread(target=take, args=(reviewer,)) for reviewer in reviewers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(taken) == 8 and sorted(taken) == sorted(QaReview.objects.values_list("pk", flat=True))
    assert QaReview.objects.filter(reviewer__isnull=True).count() == 0


# --- Django admin -------------------------------------------------------------------------------

SAMPLING_URL = "/admin/cases/qasampling/"


def test_an_admin_changes_the_sampled_share_and_the_change_is_audited(admin):
    row = QaSampling.objects.get()
    response = client_for(admin).post(f"{SAMPLING_URL}{row.pk}/change/", {"share_percent": "12.5"})
    assert response.status_code == 302
    assert QaSampling.objects.get().share_percent == Decimal("12.5")
    assert AuditEvent.objects.get(action=AuditAction.ADMIN_CHANGED).changes["share_percent"] == ["5.00", "12.5"]


@pytest.mark.parametrize("share", ["-1", "100.01", "abc", "", "5.123"])
def test_a_bad_share_is_refused_and_nothing_changes(admin, share):
    row = QaSampling.objects.get()
    web = client_for(admin)
    response = web.post(f"{SAMPLING_URL}{row.pk}/change/", {"share_percent": share})
    assert response.status_code == 200 and "errornote" in response.content.decode()
    assert QaSampling.objects.get().share_percent == Decimal("5.00")
    assert not AuditEvent.objects.filter(action=AuditAction.ADMIN_CHANGED).exists()


def test_there_is_one_sampling_row_and_reviews_are_read_only_in_admin(admin, analyst, claimed, sample_everything):
    dismiss(analyst, claimed())
    review = QaReview.objects.get()
    web = client_for(admin)
    assert web.get(f"{SAMPLING_URL}add/").status_code == 403
    assert web.post(f"{SAMPLING_URL}{QaSampling.objects.get().pk}/delete/", {"post": "yes"}).status_code == 403
    assert web.post(f"/admin/cases/qareview/{review.pk}/change/", {"verdict": "ban"}).status_code == 403
    review.refresh_from_db()
    assert review.verdict == ""
