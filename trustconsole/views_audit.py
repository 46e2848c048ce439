"""The audit log for leads and auditors: filters, keyset pages, and a streamed CSV export.
The case timeline and the decisions feed read the same table."""

import csv
import json

from django.contrib.auth.decorators import login_required, permission_required
from django.http import StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from trustconsole import selectors, services
from trustconsole.filters import AuditFilter
from trustconsole.models import AuditEvent

view_audit = permission_required("trustconsole.view_auditevent", raise_exception=True)
export_data = permission_required("trustconsole.export_data", raise_exception=True)
CSV_COLUMNS = [
    "id",
    "occurred_at",
    "actor_kind",
    "actor_name",
    "action",
    "target_type",
    "target_id",
    "subject_account",
    "case_id",
    "reason",
    "changes",
    "context",
    "hash",
]


def _before(request):
    raw = request.GET.get("before", "")
    return int(raw) if raw.isdigit() and len(raw) < 19 else None


@login_required
@view_audit
@require_GET
def audit_log(request):
    filterset = AuditFilter(request.GET, queryset=AuditEvent.objects.all())
    rows, next_before = selectors.audit_page(filterset.qs, _before(request)) if filterset.is_valid() else ([], None)
    query = request.GET.copy()
    query.pop("before", None)
    context = {"filter": filterset, "rows": rows, "next_before": next_before, "query": query.urlencode()}
    return render(request, "trustconsole/audit_log.html", context)


class _Echo:
    def write(self, value):
        return value


def _csv_value(value):
    text = json.dumps(value, sort_keys=True) if isinstance(value, dict) else str(value if value is not None else "")
    # Spreadsheet programs run cells that start like a formula; user-typed reasons must not.
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


@login_required
@view_audit
@export_data
@require_GET
def audit_export(request):
    filterset = AuditFilter(request.GET, queryset=AuditEvent.objects.all())
    if not filterset.is_valid():
        return render(request, "trustconsole/audit_log.html", {"filter": filterset, "rows": []}, status=400)
    services.record_audit_export(actor=request.user, filters={key: request.GET.getlist(key) for key in request.GET})
    writer = csv.writer(_Echo())

    def lines():
        yield writer.writerow(CSV_COLUMNS)
        for event in selectors.audit_rows_for_export(filterset.qs):
            yield writer.writerow([_csv_value(getattr(event, column)) for column in CSV_COLUMNS])

    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    return StreamingHttpResponse(
        lines(),
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="audit-{stamp}.csv"'},
    )
