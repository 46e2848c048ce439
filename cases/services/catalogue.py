from django.db import transaction

from cases import catalogue
from cases.filters import forget_filter_choices
from cases.models import Detector, FourEyesRule, NoticeTemplate, Policy, Queue, ReportReason
from trustconsole.models import AuditAction
from trustconsole.services import record


def _upsert(model, lookup, values, counts):
    obj, created = model.objects.get_or_create(**lookup, defaults=values)
    if created:
        counts["created"] += 1
        return obj
    changed = [name for name, value in values.items() if getattr(obj, name) != value]
    if changed:
        for name in changed:
            setattr(obj, name, values[name])
        obj.save(update_fields=changed)
        counts["updated"] += 1
    return obj


def load_default_catalogue(*, actor):
    """Install or refresh the default catalogue. Rows admins added are left alone."""
    counts = {"created": 0, "updated": 0}
    with transaction.atomic():
        transaction.on_commit(forget_filter_choices)
        queues = {
            slug: _upsert(Queue, {"slug": slug}, {"name": name, "description": description}, counts)
            for slug, name, description in catalogue.QUEUES
        }
        policies = {}
        for code, title, area, severity, queue, sla, anchor, ladder, window, dsa in catalogue.POLICIES:
            values = {
                "title": title,
                "area": area,
                "severity": severity,
                "queue": queues[queue],
                "sla_hours": sla,
                "tos_url": f"{catalogue.TOS}#{anchor}",
                "ladder": ladder,
                "strike_window_days": window,
                "dsa_category": dsa,
            }
            policies[code] = _upsert(Policy, {"code": code}, values, counts)
        for slug, name, policy, description in catalogue.DETECTORS:
            values = {"name": name, "default_policy": policies[policy], "description": description}
            _upsert(Detector, {"slug": slug}, values, counts)
        for code, content_type, label, policy in catalogue.REPORT_REASONS:
            values = {"label": label, "policy": policies[policy]}
            _upsert(ReportReason, {"code": code, "content_type": content_type}, values, counts)
        # Notice texts and four-eyes rules belong to admins once installed: only missing ones are added.
        for kind, subject, body in catalogue.NOTICE_TEMPLATES:
            _, created = NoticeTemplate.objects.get_or_create(kind=kind, defaults={"subject": subject, "body": body})
            counts["created"] += created
        if not FourEyesRule.objects.exists():
            for kind, tier, earnings, description in catalogue.FOUR_EYES_RULES:
                FourEyesRule.objects.create(
                    action_kind=kind, min_badge_tier=tier, min_lifetime_earnings_cents=earnings, description=description
                )
                counts["created"] += 1
        if counts["created"] or counts["updated"]:
            record(actor=actor, action=AuditAction.CATALOGUE_LOADED, changes={}, context=counts)
    return counts
