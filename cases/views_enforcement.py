"""Enforcement screens: the action form with its blast radius, the confirm step with the notice
preview, dismissal, approvals, appeals, and bulk work from the queue."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from cases import selectors
from cases.filters import CaseFilter
from cases.forms import ActionForm, AppealDecisionForm, AppealFileForm, BulkForm, DismissForm, RejectForm
from cases.models import ActionKind, ActionStatus, Appeal, BulkOperation, BulkStatus, Case, EnforcementAction
from cases.services import appeals, bulk, enforcement
from cases.services.work import StaleCase, check_version
from cases.views import case_or_404, error_messages, work_cases

approve_actions = permission_required("trustconsole.approve_actions", raise_exception=True)
decide_appeals = permission_required("trustconsole.decide_appeals", raise_exception=True)


def _form_for(case, kind, recommended, data=None):
    content = [
        (item.pk, f"{item.get_content_type_display()} {item.external_id} ({item.get_visibility_display().lower()})")
        for item in selectors.case_content_items(case)
    ]
    initial = {"version": case.version}
    return ActionForm(data, initial=initial, kind=kind, content_choices=content, recommended=recommended)


def _render_action_page(request, case, kind, form, status=200, errors=()):
    strike, recommended = enforcement.recommendation(case, timezone.now())
    context = {
        "case": case,
        "kind": kind,
        "kind_label": ActionKind(kind).label,
        "kinds": ActionKind.choices,
        "strike": strike,
        "recommended": recommended,
        "recommended_label": ActionKind(recommended).label,
        "form": form,
        "post_url": reverse(f"cases:act_{kind}", args=[case.pk]),
        "radius": selectors.blast_radius(case.account),
        "held_by": enforcement.four_eyes_rule_for(kind, case.account),
        "takes_badges": enforcement.takes_badges(kind, case.policy),
        "errors": errors,
    }
    return render(request, "cases/action_form.html", context, status=status)


@login_required
@work_cases
@require_GET
def action_form(request, case_id):
    case = case_or_404(case_id)
    _, recommended = enforcement.recommendation(case, timezone.now())
    kind = request.GET.get("kind") or recommended
    if kind not in ActionKind.values:
        kind = recommended
    return _render_action_page(request, case, kind, _form_for(case, kind, recommended))


@login_required
@work_cases
@require_POST
def take_action(request, case_id, kind):
    """One endpoint per verb. Without `confirm` it shows the notice preview; with it, it acts."""
    case = case_or_404(case_id)
    now = timezone.now()
    _, recommended = enforcement.recommendation(case, now)
    form = _form_for(case, kind, recommended, data=request.POST)
    if not form.is_valid():
        return _render_action_page(request, case, kind, form, status=400)
    action_request = form.action_request()
    try:
        if request.POST.get("confirm") != "yes":
            check_version(case, form.cleaned_data["version"])
            action = enforcement.build_action(actor=request.user, case=case, request=action_request, now=now)
            context = {
                "case": case,
                "action": action,
                "form": form,
                "post_url": reverse(f"cases:act_{kind}", args=[case.pk]),
                "resubmit": [
                    (name, value)
                    for name in request.POST
                    if name not in {"csrfmiddlewaretoken", "confirm"}
                    for value in request.POST.getlist(name)
                ],
                "held_by": enforcement.four_eyes_rule_for(kind, case.account),
            }
            return render(request, "cases/action_confirm.html", context)
        action = enforcement.take_action(
            actor=request.user, case_id=case.pk, expected_version=form.cleaned_data["version"], request=action_request
        )
    except StaleCase as error:
        messages.error(request, " ".join(error.messages))
        return redirect("cases:case", case_id=case.pk)
    except (ValidationError, PermissionDenied) as error:
        if isinstance(error, ValidationError) and hasattr(error, "error_dict"):
            for field, field_errors in error.message_dict.items():
                if field in form.fields:
                    form.add_error(field, field_errors)
                else:
                    form.add_error(None, field_errors)
            return _render_action_page(request, case, kind, form, status=400)
        return _render_action_page(request, case, kind, form, status=400, errors=error_messages(error))
    if action.status == ActionStatus.PENDING_APPROVAL:
        messages.success(request, f"{action.get_kind_display()} is waiting for a lead's approval.")
    else:
        messages.success(request, f"{action.get_kind_display()} applied; the statement of reasons is being sent.")
    return redirect("cases:case", case_id=case.pk)


@login_required
@work_cases
@require_POST
def dismiss(request, case_id):
    form = DismissForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Dismissing needs the reason there is no violation.")
        return redirect("cases:case", case_id=case_id)
    try:
        enforcement.dismiss_case(
            actor=request.user,
            case_id=case_id,
            expected_version=form.cleaned_data["version"],
            reason=form.cleaned_data["reason"],
        )
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, " ".join(error_messages(error)))
        return redirect("cases:case", case_id=case_id)
    except Case.DoesNotExist as error:
        raise Http404("No such case") from error
    messages.success(request, "Dismissed: no violation. Reporters hear the outcome.")
    return redirect("cases:case", case_id=case_id)


@login_required
@approve_actions
@require_GET
def approvals(request):
    return render(request, "cases/approvals.html", {"actions": selectors.pending_approvals()[:200]})


def _decide(request, perform, done, back):
    try:
        perform()
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, " ".join(error_messages(error)))
        return redirect(back)
    messages.success(request, done)
    return redirect(back)


@login_required
@approve_actions
@require_POST
def approve(request, action_id):
    get_object_or_404(EnforcementAction, pk=action_id)
    return _decide(
        request,
        lambda: enforcement.approve_action(actor=request.user, action_id=action_id),
        "Approved and applied.",
        "cases:approvals",
    )


@login_required
@approve_actions
@require_POST
def reject(request, action_id):
    get_object_or_404(EnforcementAction, pk=action_id)
    form = RejectForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Rejecting needs a note for the analyst.")
        return redirect("cases:approvals")
    return _decide(
        request,
        lambda: enforcement.reject_action(actor=request.user, action_id=action_id, note=form.cleaned_data["note"]),
        "Rejected; the case is back with its analyst.",
        "cases:approvals",
    )


@login_required
@decide_appeals
@require_GET
def appeal_list(request):
    return render(
        request, "cases/appeals.html", {"appeals": selectors.open_appeals()[:200], "form": AppealDecisionForm()}
    )


@login_required
@decide_appeals
@require_POST
def decide(request, appeal_id):
    get_object_or_404(Appeal, pk=appeal_id)
    form = AppealDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose uphold or overturn and give the reason.")
        return redirect("cases:appeals")
    data = form.cleaned_data
    return _decide(
        request,
        lambda: appeals.decide_appeal(
            actor=request.user, appeal_id=appeal_id, outcome=data["outcome"], note=data["note"], reopen=data["reopen"]
        ),
        "Appeal decided; the account is told.",
        "cases:appeals",
    )


@login_required
@work_cases
@require_POST
def file_appeal(request, action_id):
    action = get_object_or_404(EnforcementAction, pk=action_id)
    form = AppealFileForm(request.POST)
    if not form.is_valid():
        messages.error(request, "An appeal needs the account's statement (at most 8,000 characters).")
        return redirect("cases:case", case_id=action.case_id)
    try:
        appeals.file_appeal(
            actor=request.user,
            action_id=action.pk,
            statement=form.cleaned_data["statement"],
            filed_via=f"analyst:{request.user.get_username()}",
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("cases:case", case_id=action.case_id)
    messages.success(request, "Appeal filed; it waits in the appeals queue.")
    return redirect("cases:case", case_id=action.case_id)


@login_required
@work_cases
@require_POST
def bulk_start(request):
    form = BulkForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose what to do and to which cases.")
        return redirect("cases:queue")
    data = form.cleaned_data
    if data["scope"] == "matching":
        filterset = CaseFilter(request.POST, user=request.user)
        if not filterset.is_valid():
            messages.error(request, "The filters are not valid.")
            return redirect("cases:queue")
        case_ids = selectors.matching_case_ids(filterset, settings.BULK_CASE_CAP)
    else:
        case_ids = data["case"]
    try:
        operation = bulk.start_bulk(
            actor=request.user, kind=data["kind"], case_ids=case_ids, reason=data["reason"], assignee=data["assignee"]
        )
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, " ".join(error_messages(error)))
        return redirect("cases:queue")
    return redirect("cases:bulk_status", operation_id=operation.pk)


@login_required
@work_cases
@require_GET
def bulk_status(request, operation_id):
    operation = get_object_or_404(BulkOperation, pk=operation_id)
    if operation.actor_id != request.user.pk and not request.user.has_perm("trustconsole.reassign_cases"):
        raise PermissionDenied("This bulk operation is someone else's.")
    context = {
        "operation": operation,
        "running": operation.status != BulkStatus.DONE,
        "queue_url": reverse("cases:queue"),
    }
    template = "cases/_bulk_progress.html" if request.htmx else "cases/bulk_status.html"
    return render(request, template, context)
