"""Drafts of the scoring parameters and badge rules: simulate them, then publish them.

A simulation takes the drafts as they are now, and a job on the reputation queue replays every
freelancer's weekly record under them beside the rules in force: how many accounts would gain,
lose or be warned about each badge this week and how the score distribution moves, split by
country and by account age.
Publishing needs a finished simulation of exactly the drafts in the database, so what is
published is what was looked at.
"""

import bisect
import itertools
from dataclasses import replace
from datetime import UTC, datetime, time

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.forms.models import model_to_dict
from django.utils import timezone

from reputation import badge_rules, evaluation, scores, scoring
from reputation.models import (
    Account,
    AccountKind,
    Badge,
    BadgeOverride,
    BadgeRule,
    BadgeTier,
    BadgeWeek,
    OverrideStatus,
    ScoringParameters,
    Simulation,
    SimulationStatus,
)
from trustconsole.jobs import enqueue
from trustconsole.models import AuditAction
from trustconsole.services import json_safe, record

RULE_FIELDS = [name for name in badge_rules.Rule.__dataclass_fields__ if name not in ("tier", "version")]
AGE_BANDS = ((90, "under 90 days"), (365, "90 days to 1 year"), (3 * 365, "1 to 3 years"), (None, "3 years or more"))
SCORE_BUCKETS = [0.0, 0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95, 1.0001]


def _values(row, fields):
    return json_safe({name: getattr(row, name) for name in fields})


def current_drafts():
    """{"parameters": {id, values} or None, "rules": {tier: {id, values}}}: the drafts right now."""
    params = ScoringParameters.objects.drafts().order_by("pk").first()
    return {
        "parameters": {"id": params.pk, "values": _values(params, scores.PARAMETER_FIELDS)} if params else None,
        "rules": {
            rule.tier: {"id": rule.pk, "values": _values(rule, RULE_FIELDS)}
            for rule in BadgeRule.objects.drafts().order_by("tier")
        },
    }


def draft_changes(drafts_now):
    """[(what, field, published value, draft value)] for every field a draft changes."""
    rows = []
    if drafts_now["parameters"]:
        published = _previous_values(ScoringParameters, scores.PARAMETER_FIELDS)
        for name, value in drafts_now["parameters"]["values"].items():
            if published.get(name) != value:
                rows.append(("Scoring parameters", name, published.get(name), value))
    for tier, draft in sorted(drafts_now["rules"].items()):
        published = _previous_values(BadgeRule, RULE_FIELDS, tier=tier)
        for name, value in draft["values"].items():
            if published.get(name) != value:
                rows.append((f"{tier} rule", name, published.get(name), value))
    return rows


def request_simulation(*, actor):
    drafts = current_drafts()
    if drafts["parameters"] is None and not drafts["rules"]:
        raise ValidationError("There is no draft to simulate: start one in Django admin first.")
    with transaction.atomic():
        simulation = Simulation.objects.create(requested_by=actor, requested_at=timezone.now(), drafts=drafts)
        record(
            actor=actor,
            action=AuditAction.SIMULATION_REQUESTED,
            target=simulation,
            context={"parameters": bool(drafts["parameters"]), "rules": sorted(drafts["rules"])},
        )
        from reputation.jobs import simulate_job  # the job module imports this one

        enqueue("reputation", simulate_job, str(simulation.pk), job_id=f"simulation-{simulation.pk}")
    return simulation


def _age_band(joined_at, now):
    days = (now - joined_at).days if joined_at else 0
    return next(label for limit, label in AGE_BANDS if limit is None or days < limit)


def _bucket(score):
    """The index of the score's histogram bucket."""
    return bisect.bisect_right(SCORE_BUCKETS, score) - 1


class _Tally:
    """Counts kept while the job walks the accounts; turned into the stored result at the end."""

    def __init__(self, tiers):
        self.accounts = 0
        self.tiers = {
            tier: {"now": 0, "draft": 0, "gain": 0, "loss": 0, "warned": 0, "by_country": {}, "by_age": {}}
            for tier in tiers
        }
        self.histogram = {}
        self.groups = {"by_country": {}, "by_age": {}}

    def add(self, country, band, base, draft, base_held, draft_held, draft_warned):
        self.accounts += 1
        for tier, counts in self.tiers.items():
            was, will = tier in base_held, tier in draft_held
            counts["now"] += was
            counts["draft"] += will
            counts["warned"] += tier in draft_warned
            change = (1, 0) if will and not was else (0, 1) if was and not will else None
            if change:
                counts["gain"] += change[0]
                counts["loss"] += change[1]
                for split, key in (("by_country", country), ("by_age", band)):
                    cell = counts[split].setdefault(key, [0, 0])
                    cell[0] += change[0]
                    cell[1] += change[1]
        for label, index in ((_bucket(base.score), 0), (_bucket(draft.score), 1)):
            self.histogram.setdefault(label, [0, 0])[index] += 1
        for split, key in (("by_country", country), ("by_age", band)):
            cell = self.groups[split].setdefault(key, [0, 0.0, 0.0])
            cell[0] += 1
            cell[1] += base.score
            cell[2] += draft.score

    def result(self):
        def means(cells):
            return {key: [n, total / n, draft / n] for key, (n, total, draft) in sorted(cells.items()) if n}

        return {
            "accounts": self.accounts,
            "tiers": self.tiers,
            "histogram": [
                [round(100 * low), min(100, round(100 * high)), *self.histogram.get(index, [0, 0])]
                for index, (low, high) in enumerate(itertools.pairwise(SCORE_BUCKETS))
            ],
            "scores": {split: means(cells) for split, cells in self.groups.items()},
        }


def simulate(simulation_id, *, chunk_size=1000, now=None):
    """The job: compare every scored freelancer under the rules in force and under the drafts."""
    simulation = Simulation.objects.get(pk=simulation_id)
    simulation.status = SimulationStatus.RUNNING
    simulation.save(update_fields=["status"])
    now = now or timezone.now()
    try:
        result = _compare(simulation.drafts, now, chunk_size)
    except Exception as error:
        simulation.status, simulation.error, simulation.finished_at = SimulationStatus.FAILED, str(error), now
        simulation.save(update_fields=["status", "error", "finished_at"])
        raise
    simulation.status, simulation.result, simulation.finished_at = SimulationStatus.DONE, result, timezone.now()
    simulation.save(update_fields=["status", "result", "finished_at"])
    return simulation


def _outcome(rule, badge, record, week):
    """(holds the tier after this week's evaluation, is warned) for one account under one
    rule, its weekly figures (record: {Monday: Figures}) replayed as the evaluation would."""
    met_weeks = {monday for monday, figures in record.items() if badge_rules.meets(rule, figures)}
    now = record.get(week)
    decision = badge_rules.decide(
        rule,
        held=badge is not None,
        warning_since=badge.warning_since if badge else None,
        met_weeks=met_weeks,
        kept_now=now is not None and badge_rules.meets(rule, now, keep=True),
        week=week,
    )
    holds = decision in (badge_rules.AWARD, badge_rules.KEEP, badge_rules.CLEAR_WARNING, badge_rules.WARN)
    still_warned = decision == badge_rules.KEEP and badge is not None and badge.warning_since is not None
    return holds, decision == badge_rules.WARN or still_warned


def _held_after(rules, badges, overridden, record, week):
    """({tiers held}, {tiers warned}) after this week's evaluation under these rules. Tiers with
    an override in force stay as they are, and Top Rated Plus needs Top Rated, as in the
    evaluation itself."""
    held, warned = set(), set()
    for tier in sorted(rules, key=lambda t: t == BadgeTier.TOP_RATED_PLUS):  # Top Rated first
        if tier in overridden:
            if tier in badges:
                held.add(tier)
            continue
        if evaluation.out_of_reach(tier, held, holds_it=tier in badges):
            continue
        holds, is_warned = _outcome(rules[tier], badges.get(tier), record, week)
        if holds and not evaluation.out_of_reach(tier, held, holds_it=False):
            held.add(tier)
            if is_warned:
                warned.add(tier)
    return held, warned


def _records(ids, week, longest, now):
    """{account id: {Monday: Figures}}: the stored weeks of the window before this one, and this
    week's figures as of now."""
    since = week - badge_rules.WEEK * (longest - 1)
    records = {}
    stored = BadgeWeek.objects.filter(account__in=ids, week__gte=since, week__lt=week)
    for account_id, monday, figures in stored.values_list("account_id", "week", "figures"):
        records.setdefault(account_id, {})[monday] = badge_rules.Figures(**figures)
    for account_id, figures in evaluation.figures_of(ids, now).items():
        records.setdefault(account_id, {})[week] = figures
    return records


def _rescored(ids, records, params, week, now):
    """The records with every week's score figures recomputed under draft parameters, each as
    of that week's evaluation (Monday 06:00 UTC; this week as of now, like its figures)."""
    mondays = {monday for record in records.values() for monday in record}
    again = {}
    for monday in mondays:
        moment = now if monday == week else datetime.combine(monday, time(6), tzinfo=UTC)
        facts = scores.contract_facts(ids, moment)
        again[monday] = {pk: scoring.compute(facts[pk], moment, params) for pk in ids}
    return {
        pk: {
            monday: replace(
                figures,
                score=again[monday][pk].score,
                lower_bound=again[monday][pk].lower_bound,
                public=again[monday][pk].public,
                distinct_clients=again[monday][pk].distinct_clients,
            )
            for monday, figures in record.items()
        }
        for pk, record in records.items()
    }


def _compare(drafts, now, chunk_size):
    """Every scored freelancer's badges after this week's evaluation, under the rules in force
    and under the drafts: the weekly record of each rule's window replayed from the stored
    figures (recomputed under draft scoring parameters), with hysteresis, warnings and
    overrides as the evaluation applies them."""
    rules = evaluation.rules_in_force()
    draft_rules = dict(rules)
    for tier, draft in drafts["rules"].items():
        draft_rules[tier] = badge_rules.Rule(tier=tier, version=None, **draft["values"])
    params = None
    if drafts["parameters"]:
        params = scoring.Parameters(**drafts["parameters"]["values"])
    week = badge_rules.monday_of(now.date())
    longest = max(rule.window_weeks for rule in [*rules.values(), *draft_rules.values()])
    tally = _Tally(sorted(draft_rules))
    freelancers = Account.objects.exclude(kind=AccountKind.CLIENT).order_by("pk")
    last = 0
    while True:
        chunk = list(freelancers.filter(pk__gt=last).values_list("pk", "country", "joined_at", "status")[:chunk_size])
        if not chunk:
            break
        last = chunk[-1][0]
        ids = [pk for pk, *_ in chunk]
        records = _records(ids, week, longest, now)
        draft_records = _rescored(ids, records, params, week, now) if params else records
        badges, overridden = {}, {}
        for badge in Badge.objects.filter(account__in=ids, revoked_at__isnull=True):
            badges.setdefault(badge.account_id, {})[badge.tier] = badge
        active = BadgeOverride.objects.filter(account__in=ids, status=OverrideStatus.ACTIVE)
        for account_id, tier in active.values_list("account_id", "tier"):
            overridden.setdefault(account_id, set()).add(tier)
        for pk, country, joined_at, status in chunk:
            record = records.get(pk, {})
            if week not in record:
                continue  # not scored: the evaluation passes it by too
            if status in evaluation.HARD_FAILURES:
                base_held = draft_held = draft_warned = set()
            else:
                mine, fixed = badges.get(pk, {}), overridden.get(pk, set())
                base_held, _ = _held_after(rules, mine, fixed, record, week)
                draft_held, draft_warned = _held_after(draft_rules, mine, fixed, draft_records[pk], week)
            base, draft = record[week], draft_records[pk][week]
            tally.add(country or "??", _age_band(joined_at, now), base, draft, base_held, draft_held, draft_warned)
    return tally.result()


def _previous_values(model, fields, **same):
    previous = model.objects.published().filter(**same).order_by("-version").first()
    return _values(previous, fields) if previous else {}


def publish(*, actor, simulation_id, now=None):
    """Publish the drafts a finished simulation looked at, each as its next version."""
    now = now or timezone.now()
    with transaction.atomic():
        simulation = Simulation.objects.select_for_update().get(pk=simulation_id)
        if simulation.status != SimulationStatus.DONE:
            raise ValidationError("Only a finished simulation can be published.")
        drafts = current_drafts()
        if drafts != simulation.drafts:
            raise ValidationError("The drafts changed after this simulation: simulate them again before publishing.")
        published = []
        if drafts["parameters"]:
            row = ScoringParameters.objects.select_for_update().get(pk=drafts["parameters"]["id"])
            before = _previous_values(ScoringParameters, scores.PARAMETER_FIELDS)
            _publish_row(row, ScoringParameters.objects.published(), actor, now)
            _audit_publish(actor, AuditAction.PARAMETERS_PUBLISHED, row, before, scores.PARAMETER_FIELDS, simulation)
            published.append(row)
        for tier, draft in sorted(drafts["rules"].items()):
            row = BadgeRule.objects.select_for_update().get(pk=draft["id"])
            before = _previous_values(BadgeRule, RULE_FIELDS, tier=tier)
            _publish_row(row, BadgeRule.objects.published().filter(tier=tier), actor, now)
            _audit_publish(actor, AuditAction.BADGE_RULE_PUBLISHED, row, before, RULE_FIELDS, simulation)
            published.append(row)
    return published


def _publish_row(row, published, actor, now):
    row.version = (published.aggregate(top=Max("version"))["top"] or 0) + 1
    row.published_at, row.published_by = now, actor
    row.save(update_fields=["version", "published_at", "published_by"])


def _audit_publish(actor, action, row, before, fields, simulation):
    after = _values(row, fields)
    record(
        actor=actor,
        action=action,
        target=row,
        reason=row.note,
        changes={name: [before.get(name), after[name]] for name in fields if before.get(name) != after[name]},
        context={"version": row.version, "simulation": simulation.pk},
    )


def start_draft_from(*, actor, row):
    """A new draft that copies a published version, for admins to edit."""
    model = type(row)
    fields = [*RULE_FIELDS, "tier"] if model is BadgeRule else scores.PARAMETER_FIELDS
    existing = model.objects.drafts().filter(tier=row.tier) if model is BadgeRule else model.objects.drafts()
    if existing.exists():
        raise ValidationError("A draft already exists: edit it, or delete it first.")
    with transaction.atomic():
        draft = model.objects.create(note=f"Copied from {row.version_label()}", **model_to_dict(row, fields=fields))
        record(
            actor=actor,
            action=AuditAction.ADMIN_ADDED,
            target=draft,
            changes={name: [None, value] for name, value in _values(draft, fields).items()},
            context={"copied_from": row.pk, "via": "draft"},
        )
    return draft
