"""Decision quality: appeal overturn rates, detector precision and its drift, analysts' figures,
and QA agreement."""

from statistics import median

from django.contrib.auth import get_user_model
from django.db.models import Count, DurationField, ExpressionWrapper, F, FloatField, Q
from django.db.models.aggregates import Aggregate

from cases.models import Appeal, AppealStatus, Case, CaseStatus, Detector, EnforcementAction, QaReview, Signal
from dashboards.selectors.common import on_postgresql, rate
from trustconsole.replica import on_replica

DECIDED = (CaseStatus.ACTIONED, CaseStatus.DISMISSED)
# Drift is shown only when both periods rest on this many decided cases, and flagged from this
# many percentage points.
DRIFT_MIN_CASES = 10
DRIFT_ALERT_POINTS = 10
DISAGREEMENTS = 20


class MedianSeconds(Aggregate):
    """PostgreSQL's exact median of an interval, in seconds."""

    function = "percentile_cont"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM %(expressions)s))"
    output_field = FloatField()


HANDLING = ExpressionWrapper(F("decided_at") - F("claimed_at"), output_field=DurationField())


@on_replica
def appeal_overturns(period):
    """Appeals decided in the period: how many overturned the action, per policy and per analyst
    who proposed the action."""
    appeals = Appeal.objects.filter(
        decided_at__gte=period.start,
        decided_at__lt=period.end,
        status__in=(AppealStatus.UPHELD, AppealStatus.OVERTURNED),
    )
    by_policy = appeals.values("action__policy__code", "action__policy__title").annotate(
        decided=Count("id"), overturned=Count("id", filter=Q(status=AppealStatus.OVERTURNED))
    )
    by_analyst = appeals.values("action__proposed_by__username").annotate(
        decided=Count("id"), overturned=Count("id", filter=Q(status=AppealStatus.OVERTURNED))
    )

    def shaped(rows, label):
        out = [{**row, "label": label(row), "rate": rate(row["overturned"], row["decided"])} for row in rows]
        return sorted(out, key=lambda row: (-row["rate"], -row["decided"], row["label"]))

    return {
        "by_policy": shaped(by_policy, lambda r: f"{r['action__policy__code']} {r['action__policy__title']}"),
        "by_analyst": shaped(by_analyst, lambda r: r["action__proposed_by__username"]),
    }


@on_replica
def detector_precision(period):
    """For each detector: of the cases it signalled that were decided in the period and are now
    actioned or dismissed, the share actioned; and the same for the previous period of equal
    length. Drift is the difference in percentage points."""
    before = period.previous()
    in_now = Q(case__decided_at__gte=period.start)
    in_before = Q(case__decided_at__lt=period.start)
    actioned = Q(case__status=CaseStatus.ACTIONED)
    counts = (
        Signal.objects.filter(
            detector__isnull=False,
            case__decided_at__gte=before.start,
            case__decided_at__lt=period.end,
            case__status__in=DECIDED,
        )
        .values("detector_id")
        .annotate(
            now_decided=Count("case", distinct=True, filter=in_now),
            now_actioned=Count("case", distinct=True, filter=in_now & actioned),
            before_decided=Count("case", distinct=True, filter=in_before),
            before_actioned=Count("case", distinct=True, filter=in_before & actioned),
        )
    )
    counts = {row["detector_id"]: row for row in counts}
    rows = []
    for detector in Detector.objects.order_by("name"):
        row = counts.get(detector.pk, {"now_decided": 0, "now_actioned": 0, "before_decided": 0, "before_actioned": 0})
        precision = rate(row["now_actioned"], row["now_decided"])
        previous = rate(row["before_actioned"], row["before_decided"])
        enough = min(row["now_decided"], row["before_decided"]) >= DRIFT_MIN_CASES
        drift = round(100 * (precision - previous), 1) if enough else None
        rows.append(
            {
                "detector": detector,
                **row,
                "precision": precision,
                "previous": previous,
                "drift": drift,
                "alert": drift is not None and abs(drift) >= DRIFT_ALERT_POINTS,
            }
        )
    return rows


def _handling_medians(decided):
    timed = decided.filter(claimed_at__isnull=False, claimed_at__lte=F("decided_at"))
    if on_postgresql():
        rows = timed.values("decided_by_id").annotate(median=MedianSeconds(HANDLING))
        return {row["decided_by_id"]: row["median"] for row in rows}
    durations = {}
    for user_id, decided_at, claimed_at in timed.values_list("decided_by_id", "decided_at", "claimed_at"):
        durations.setdefault(user_id, []).append((decided_at - claimed_at).total_seconds())
    return {user_id: median(values) for user_id, values in durations.items()}


@on_replica
def analyst_figures(period):
    """Per person who decided cases in the period: cases decided; the median time from claiming
    a case to deciding it; actions proposed and how many departed from the ladder's
    recommendation; appeals against their actions overturned in the period; and how often a
    blind QA review agreed with them on whether there was a violation."""
    decided = Case.objects.filter(decided_at__gte=period.start, decided_at__lt=period.end)
    figures = {}

    def row(user_id):
        empty = {"handled": 0, "median_seconds": None, "proposed": 0, "deviations": 0, "overturned": 0}
        return figures.setdefault(user_id, {**empty, "qa_reviewed": 0, "qa_agreed": 0})

    for item in decided.values("decided_by_id").annotate(n=Count("id")):
        row(item["decided_by_id"])["handled"] = item["n"]
    for user_id, seconds in _handling_medians(decided).items():
        row(user_id)["median_seconds"] = seconds
    proposed = (
        EnforcementAction.objects.filter(created_at__gte=period.start, created_at__lt=period.end)
        .values("proposed_by_id")
        .annotate(n=Count("id"), deviations=Count("id", filter=~Q(kind=F("recommended_kind"))))
    )
    for item in proposed:
        row(item["proposed_by_id"]).update(proposed=item["n"], deviations=item["deviations"])
    overturned = (
        Appeal.objects.filter(decided_at__gte=period.start, decided_at__lt=period.end, status=AppealStatus.OVERTURNED)
        .values("action__proposed_by_id")
        .annotate(n=Count("id"))
    )
    for item in overturned:
        row(item["action__proposed_by_id"])["overturned"] = item["n"]
    reviews = (
        QaReview.objects.filter(completed_at__gte=period.start, completed_at__lt=period.end)
        .values("first_reviewer_id")
        .annotate(n=Count("id"), agreed=Count("id", filter=Q(outcome_agrees=True)))
    )
    for item in reviews:
        row(item["first_reviewer_id"]).update(qa_reviewed=item["n"], qa_agreed=item["agreed"])
    figures.pop(None, None)
    names = dict(get_user_model().objects.filter(pk__in=figures).values_list("pk", "username"))
    out = [
        {
            "username": names.get(user_id, f"#{user_id}"),
            **values,
            "deviation_rate": rate(values["deviations"], values["proposed"]),
            "qa_agreement": rate(values["qa_agreed"], values["qa_reviewed"]),
        }
        for user_id, values in figures.items()
    ]
    return sorted(out, key=lambda item: (-item["handled"], item["username"]))


@on_replica
def qa_agreement(period):
    """Blind QA reviews completed in the period, per policy: agreement on whether there was a
    violation, and on the exact action; with the latest disagreements for a lead to look at."""
    reviews = QaReview.objects.filter(completed_at__gte=period.start, completed_at__lt=period.end)
    by_policy = (
        reviews.values("policy__code")
        .annotate(
            reviewed=Count("id"),
            outcome_agreed=Count("id", filter=Q(outcome_agrees=True)),
            action_agreed=Count("id", filter=Q(action_agrees=True)),
        )
        .order_by("policy__code")
    )
    policies = [
        {
            **row,
            "outcome_rate": rate(row["outcome_agreed"], row["reviewed"]),
            "action_rate": rate(row["action_agreed"], row["reviewed"]),
        }
        for row in by_policy
    ]
    disagreements = list(
        reviews.filter(outcome_agrees=False)
        .select_related("policy", "first_reviewer", "reviewer")
        .order_by("-completed_at", "-id")[:DISAGREEMENTS]
    )
    return {"by_policy": policies, "disagreements": disagreements}
