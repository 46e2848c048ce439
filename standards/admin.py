"""Client standards in Django admin: thresholds and periods, and the outreach notice templates,
edited by admins and audited by the shared mixin. Standings and assessments are read-only: they
change only through the outreach services."""

from django.contrib import admin

from standards.models import ClientAssessment, ClientStanding, OutreachTemplate, Thresholds
from trustconsole.admin_audit import AuditedModelAdmin, ReadOnlyAdminMixin


@admin.register(Thresholds)
class ThresholdsAdmin(AuditedModelAdmin):
    list_display = ["__str__", "window_days", "min_freelancers", "client_score_floor", "improvement_days"]

    def has_add_permission(self, request):
        # One row: the assessment reads the first, so a second would be ignored silently.
        return super().has_add_permission(request) and not Thresholds.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(OutreachTemplate)
class OutreachTemplateAdmin(AuditedModelAdmin):
    list_display = ["kind", "subject"]

    def has_delete_permission(self, request, obj=None):
        # Outreach stops for a client whose notice cannot be written; keep every kind.
        return False


@admin.register(ClientStanding)
class ClientStandingAdmin(ReadOnlyAdminMixin, AuditedModelAdmin):
    list_display = ["client", "state", "level", "state_since", "period_ends_at"]
    list_filter = ["state", "level"]
    search_fields = ["client__external_id", "client__name"]
    raw_id_fields = ["client", "baseline", "latest"]


@admin.register(ClientAssessment)
class ClientAssessmentAdmin(ReadOnlyAdminMixin, AuditedModelAdmin):
    list_display = ["client", "day", "below_standard", "tripped"]
    list_filter = ["below_standard", "day"]
    search_fields = ["client__external_id"]
    raw_id_fields = ["client"]
