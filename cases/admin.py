"""Reference data in Django admin. Every change is audited by the shared mixin."""

from django.contrib import admin, messages
from django.db import transaction
from django.shortcuts import render

from cases.filters import forget_filter_choices
from cases.models import (
    ApiClient,
    Case,
    Detector,
    EnforcementAction,
    FourEyesRule,
    NoticeTemplate,
    Policy,
    QaReview,
    QaSampling,
    Queue,
    ReportReason,
)
from cases.models.enforcement import NOTICE_PLACEHOLDERS
from cases.services.api_clients import revoke_api_client, rotate_api_client_token
from trustconsole.admin_audit import AuditedModelAdmin, ReadOnlyAdminMixin


class FilterChoiceAdmin(AuditedModelAdmin):
    """Queues, policies and detectors: the queue filters keep their choices in the cache, so a
    change here drops that copy once it is committed."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        transaction.on_commit(forget_filter_choices)

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        transaction.on_commit(forget_filter_choices)

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        transaction.on_commit(forget_filter_choices)


@admin.register(Queue)
class QueueAdmin(FilterChoiceAdmin):
    list_display = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Policy)
class PolicyAdmin(FilterChoiceAdmin):
    list_display = ["code", "title", "area", "severity", "queue", "sla_hours", "active"]
    list_filter = ["area", "severity", "queue", "active"]
    search_fields = ["code", "title"]
    list_select_related = ["queue"]


@admin.register(Detector)
class DetectorAdmin(FilterChoiceAdmin):
    list_display = ["name", "slug", "default_policy", "active", "actioned_cases", "decided_cases"]
    list_filter = ["active"]
    readonly_fields = ["actioned_cases", "decided_cases"]
    list_select_related = ["default_policy"]


@admin.register(ReportReason)
class ReportReasonAdmin(AuditedModelAdmin):
    list_display = ["label", "code", "content_type", "policy"]
    list_filter = ["content_type"]
    list_select_related = ["policy"]


def _show_tokens_once(request, tokens):
    return render(request, "admin/cases/apiclient/tokens.html", {"tokens": tokens, "title": "New API tokens"})


@admin.register(ApiClient)
class ApiClientAdmin(AuditedModelAdmin):
    list_display = ["name", "scopes", "detector", "rate_limit_per_minute", "active", "created_at", "revoked_at"]
    list_filter = ["active"]
    fields = ["name", "scopes", "detector", "rate_limit_per_minute", "token_prefix", "active", "revoked_at"]
    readonly_fields = ["token_prefix", "active", "revoked_at"]
    actions = ["rotate_tokens", "revoke_clients"]

    def save_model(self, request, obj, form, change):
        if not change:
            # The token exists only in this response; the database keeps its hash.
            request._new_api_token = (obj.name, obj.issue_token())
        super().save_model(request, obj, form, change)

    def response_add(self, request, obj, post_url_continue=None):
        return _show_tokens_once(request, [request._new_api_token])

    @admin.action(description="Rotate the tokens of the selected clients (shown once)")
    def rotate_tokens(self, request, queryset):
        tokens = []
        for client in queryset.filter(active=True):
            client, token = rotate_api_client_token(actor=request.user, client=client)
            tokens.append((client.name, token))
        if not tokens:
            self.message_user(request, "Only active clients can get new tokens.", messages.WARNING)
            return None
        return _show_tokens_once(request, tokens)

    @admin.action(description="Revoke the selected clients")
    def revoke_clients(self, request, queryset):
        for client in queryset:
            revoke_api_client(actor=request.user, client=client, reason="revoked in Django admin")
        self.message_user(request, f"Revoked {queryset.count()} client(s); their tokens no longer work.")


@admin.register(Case)
class CaseAdmin(ReadOnlyAdminMixin, AuditedModelAdmin):
    """Read-only: cases change only through the console's services, never by hand."""

    list_display = ["id", "policy", "account", "status", "priority", "opened_at", "due_at"]
    list_filter = ["status", "queue"]
    list_select_related = ["policy", "account"]
    ordering = ["-priority", "id"]


@admin.register(NoticeTemplate)
class NoticeTemplateAdmin(AuditedModelAdmin):
    list_display = ["kind", "subject"]
    help = ", ".join(f"{{{{ {name} }}}} ({meaning})" for name, meaning in sorted(NOTICE_PLACEHOLDERS.items()))

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        form.base_fields["body"].help_text = f"Placeholders: {self.help}. An empty one refuses to send."
        return form


@admin.register(FourEyesRule)
class FourEyesRuleAdmin(AuditedModelAdmin):
    list_display = ["action_kind", "min_badge_tier", "min_lifetime_earnings_cents", "active", "description"]
    list_filter = ["action_kind", "active"]


@admin.register(EnforcementAction)
class EnforcementActionAdmin(ReadOnlyAdminMixin, AuditedModelAdmin):
    """Read-only: actions change only through the console's services."""

    list_display = ["id", "kind", "status", "case", "account", "proposed_by", "approved_by", "applied_at"]
    list_filter = ["kind", "status"]
    list_select_related = ["case", "account", "proposed_by", "approved_by"]


@admin.register(QaSampling)
class QaSamplingAdmin(AuditedModelAdmin):
    list_display = ["__str__", "share_percent"]

    def has_add_permission(self, request):
        # One row: sampling reads the first, so a second would be ignored silently.
        return super().has_add_permission(request) and not QaSampling.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(QaReview)
class QaReviewAdmin(ReadOnlyAdminMixin, AuditedModelAdmin):
    """Reviews are sampled and recorded in the console, never typed in here."""

    list_display = ["case", "policy", "first_reviewer", "first_verdict", "reviewer", "verdict", "completed_at"]
    list_filter = ["policy", "outcome_agrees", "action_agrees"]
    raw_id_fields = ["case", "policy", "first_reviewer", "reviewer"]
