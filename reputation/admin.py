"""Reputation in Django admin: drafts of the scoring parameters and badge rules, badge overrides
and account links. Published versions are frozen; overrides and links are written by their
services, which audit them; everything else is audited by the shared mixin."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils.html import format_html

from reputation import drafts, overrides
from reputation.models import (
    Account,
    AccountLink,
    Badge,
    BadgeOverride,
    BadgeRule,
    OverrideStatus,
    ScoringParameters,
)
from reputation.scores import PARAMETER_FIELDS
from reputation.services import check_link, link_accounts, unlink_accounts
from trustconsole.admin_audit import AuditedModelAdmin, ReadOnlyAdminMixin


def _adopt(obj, saved):
    """Admin keeps using the form's object after save_model; make it the row the service saved."""
    for field in obj._meta.concrete_fields:
        setattr(obj, field.attname, getattr(saved, field.attname))


@admin.register(Account)
class AccountAdmin(ReadOnlyAdminMixin, AuditedModelAdmin):
    """Read-only: accounts come from the marketplace's API and change through services."""

    list_display = ["external_id", "name", "kind", "country", "status"]
    list_filter = ["kind", "status"]
    search_fields = ["external_id", "name"]

    def has_view_permission(self, request, obj=None):
        return request.user.is_staff


class DraftAdmin(AuditedModelAdmin):
    """Only drafts can be edited or deleted; a published version is kept as it was."""

    actions = ["copy_as_draft"]
    readonly_fields = ["version", "published_at", "published_by", "updated_at"]

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and (obj is None or obj.is_draft)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and (obj is None or obj.is_draft)

    @admin.display(description="Version")
    def version_shown(self, obj):
        return obj.version_label()

    @admin.display(description="Simulate")
    def simulate_link(self, obj):
        if not obj.is_draft:
            return ""
        return format_html('<a href="{}">Simulate and publish</a>', reverse("reputation:drafts"))

    @admin.action(description="Start a draft from the selected version")
    def copy_as_draft(self, request, queryset):
        for row in queryset:
            try:
                draft = drafts.start_draft_from(actor=request.user, row=row)
            except ValidationError as error:
                self.message_user(request, " ".join(error.messages), messages.ERROR)
            else:
                self.message_user(request, f"Started {draft}: edit it, then simulate it before publishing.")


class ScoringParametersForm(forms.ModelForm):
    class Meta:
        model = ScoringParameters
        fields = [*PARAMETER_FIELDS, "note"]

    def clean(self):
        cleaned = super().clean()
        drafts_now = ScoringParameters.objects.drafts().exclude(pk=self.instance.pk)
        if drafts_now.exists():
            raise ValidationError("A draft of the scoring parameters already exists: edit that one.")
        return cleaned


@admin.register(ScoringParameters)
class ScoringParametersAdmin(DraftAdmin):
    form = ScoringParametersForm
    list_display = ["version_shown", "prior_mean", "prior_strength", "half_life_days", "published_at", "simulate_link"]


class BadgeRuleForm(forms.ModelForm):
    class Meta:
        model = BadgeRule
        fields = ["tier", *drafts.RULE_FIELDS, "note"]

    def clean(self):
        cleaned = super().clean()
        tier = cleaned.get("tier")
        if tier and BadgeRule.objects.drafts().filter(tier=tier).exclude(pk=self.instance.pk).exists():
            self.add_error("tier", "A draft of this tier's rule already exists: edit that one.")
        return cleaned


@admin.register(BadgeRule)
class BadgeRuleAdmin(DraftAdmin):
    form = BadgeRuleForm
    list_display = ["tier", "version_shown", "min_score", "min_lower_bound", "required_weeks", "simulate_link"]
    list_filter = ["tier"]


@admin.register(Badge)
class BadgeAdmin(ReadOnlyAdminMixin, AuditedModelAdmin):
    """Read-only: badges change through the weekly evaluation, overrides and enforcement."""

    list_display = ["account", "tier", "source", "awarded_at", "warning_since", "revoked_at"]
    list_filter = ["tier", "source"]
    list_select_related = ["account"]
    raw_id_fields = ["account"]

    def has_view_permission(self, request, obj=None):
        return request.user.is_staff


class OverrideRequestForm(forms.ModelForm):
    class Meta:
        model = BadgeOverride
        fields = ["account", "tier", "effect", "reason", "days", "renews"]

    def clean(self):
        cleaned = super().clean()
        account = cleaned.get("account")
        if account is not None and not self.errors:
            errors = overrides.check_request(
                account=account,
                tier=cleaned.get("tier"),
                effect=cleaned.get("effect"),
                reason=cleaned.get("reason"),
                days=cleaned.get("days"),
                renews=cleaned.get("renews"),
            )
            for field, message in errors.items():
                self.add_error(field if field in self.fields else None, message)
        return cleaned


@admin.register(BadgeOverride)
class BadgeOverrideAdmin(AuditedModelAdmin):
    """Requests are made here or on the account page; above Top Rated another admin approves."""

    recorded_by_service = True
    form = OverrideRequestForm
    list_display = ["account", "tier", "effect", "status", "requested_by", "approved_by", "expires_at"]
    list_filter = ["status", "tier", "effect"]
    list_select_related = ["account", "requested_by", "approved_by"]
    raw_id_fields = ["account", "renews"]
    actions = ["approve", "reject"]

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        created = overrides.request_override(
            actor=request.user,
            account_id=obj.account_id,
            tier=obj.tier,
            effect=obj.effect,
            reason=obj.reason,
            days=obj.days,
            renews_id=obj.renews_id,
        )
        _adopt(obj, created)

    @admin.action(description="Approve the selected overrides (as the second admin)")
    def approve(self, request, queryset):
        self._decide(request, queryset, lambda pk: overrides.approve_override(actor=request.user, override_id=pk))

    @admin.action(description="Reject the selected overrides")
    def reject(self, request, queryset):
        reason = f"rejected in Django admin by {request.user.get_username()}"
        self._decide(
            request, queryset, lambda pk: overrides.reject_override(actor=request.user, override_id=pk, reason=reason)
        )

    def _decide(self, request, queryset, decide):
        done = 0
        for override in queryset.filter(status=OverrideStatus.PENDING):
            try:
                decide(override.pk)
                done += 1
            except (PermissionDenied, ValidationError) as error:
                message = error.messages[0] if isinstance(error, ValidationError) else str(error)
                self.message_user(request, f"Override {override.pk}: {message}", messages.ERROR)
        self.message_user(request, f"Decided {done} override(s).")


class AccountLinkForm(forms.ModelForm):
    class Meta:
        model = AccountLink
        fields = ["account", "linked_account", "reason", "source"]

    def clean(self):
        cleaned = super().clean()
        one, other = cleaned.get("account"), cleaned.get("linked_account")
        if one and other:
            for field, message in check_link(one.pk, other.pk, cleaned.get("reason")).items():
                self.add_error(field, message)
            # Stored lower id first, so the order typed here does not matter.
            if one.pk > other.pk:
                cleaned["account"], cleaned["linked_account"] = other, one
        return cleaned


@admin.register(AccountLink)
class AccountLinkAdmin(AuditedModelAdmin):
    recorded_by_service = True
    form = AccountLinkForm
    list_display = ["account", "linked_account", "source", "created_at"]
    list_select_related = ["account", "linked_account"]
    raw_id_fields = ["account", "linked_account"]

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def save_model(self, request, obj, form, change):
        link = link_accounts(
            actor=request.user,
            account_id=obj.account_id,
            other_id=obj.linked_account_id,
            reason=obj.reason,
            source=obj.source,
        )
        _adopt(obj, link)

    def delete_model(self, request, obj):
        unlink_accounts(actor=request.user, link_id=obj.pk, reason=f"removed in Django admin by {request.user}")

    def delete_queryset(self, request, queryset):
        for link in queryset:
            self.delete_model(request, link)
