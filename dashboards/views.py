"""The leads' dashboards (leads and auditors read them): operations, decision quality, and
fairness with client standards. Figures come from dashboards.selectors, charts from
dashboards.charts; each page shows its figures' definitions."""

from django.contrib.auth.decorators import login_required, permission_required
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from dashboards import charts
from dashboards.periods import PeriodForm
from dashboards.selectors import fairness, operations, quality
from trustconsole.replica import replica_alias

read_dashboards = permission_required("trustconsole.view_dashboards", raise_exception=True)
PAGES = [
    ("dashboards:operations", "Operations"),
    ("dashboards:quality", "Decision quality"),
    ("dashboards:fairness", "Fairness and client standards"),
]


def _dashboard(request, template, figures_for):
    """Render one dashboard for the period asked for; a bad period is an error, not a guess."""
    form = PeriodForm(request.GET or None)
    context = {"form": form, "pages": PAGES, "now": timezone.now(), "replica": replica_alias() != "default"}
    if form.is_bound and not form.is_valid():
        return render(request, template, context, status=400)
    period = form.period(context["now"]) if form.is_bound else PeriodForm.default_period(context["now"])
    context.update(period=period, **figures_for(period, context["now"]))
    return render(request, template, context)


def operations_figures(period, now):
    backlog = operations.backlog(now)
    days = operations.throughput(period)
    mix = operations.action_mix(period)
    return {
        "backlog": backlog,
        "backlog_chart": charts.bars(
            [(row["queue"].name, row["ages"]) for row in backlog],
            series=[label for label, _ in operations.AGE_BUCKETS],
        ),
        "breached_total": sum(row["breached"] for row in backlog),
        "at_risk_total": sum(row["at_risk"] for row in backlog),
        "alerts": operations.sla_alerts(now),
        "grouping": operations.grouping_lag(now),
        "throughput": days,
        "throughput_chart": charts.columns(
            [(f"{day['day']:%d %b}", [day["actioned"], day["dismissed"]]) for day in days],
            series=["Actioned", "Dismissed"],
        ),
        "decided_total": sum(day["actioned"] + day["dismissed"] for day in days),
        "opened_total": sum(day["opened"] for day in days),
        "mix": mix,
        "mix_chart": charts.bars([(row["label"], [row["applied"]]) for row in mix]),
    }


def quality_figures(period, now):
    appeals = quality.appeal_overturns(period)
    detectors = quality.detector_precision(period)
    return {
        "appeals": appeals,
        "appeals_chart": charts.bars(
            [(row["action__policy__code"], [row["rate"]]) for row in appeals["by_policy"]],
            maximum=1,
            fmt=charts.percent,
        ),
        "detectors": detectors,
        "detectors_chart": charts.bars(
            [(row["detector"].name, [row["precision"] or 0]) for row in detectors],
            maximum=1,
            markers=[row["previous"] for row in detectors],
            texts=[charts.percent(row["precision"]) for row in detectors],
        ),
        "analysts": quality.analyst_figures(period),
        "qa": quality.qa_agreement(period),
        "drift_min_cases": quality.DRIFT_MIN_CASES,
        "drift_alert_points": quality.DRIFT_ALERT_POINTS,
    }


def fairness_figures(period, now):
    by_country = fairness.fairness_by_country(period)
    funnel = fairness.outreach_funnel(period)
    return {
        "fairness": by_country,
        "fairness_chart": charts.bars(
            [(row["country"], [row["action_ratio"] or 0]) for row in by_country["rows"]],
            maximum=2,
            fmt=lambda value: f"{value:.2f}\u00d7",
            markers=[1.0] * len(by_country["rows"]),
        ),
        "funnel": funnel,
        "funnel_chart": charts.bars([(step["label"], [step["clients"]]) for step in funnel["steps"]]),
        "min_population": fairness.MIN_POPULATION,
        "high_ratio": fairness.HIGH_RATIO,
        "low_ratio": fairness.LOW_RATIO,
    }


@login_required
@read_dashboards
@require_GET
def operations_dashboard(request):
    return _dashboard(request, "dashboards/operations.html", operations_figures)


@login_required
@read_dashboards
@require_GET
def quality_dashboard(request):
    return _dashboard(request, "dashboards/quality.html", quality_figures)


@login_required
@read_dashboards
@require_GET
def fairness_dashboard(request):
    return _dashboard(request, "dashboards/fairness.html", fairness_figures)
