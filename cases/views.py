from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from cases import presenters, priority, selectors
from cases.filters import CaseFilter
from cases.forms import (
    AccountNoteForm,
    AppealFileForm,
    DismissForm,
    EscalateForm,
    NoteForm,
    ReassignForm,
    VersionedForm,
)
from cases.models import Case, Queue
from cases.services import enforcement, work
from reputation import services as reputation_services
from reputation.models import Account

view_cases = permission_required("trustconsole.view_cases", raise_exception=True)
work_cases = permission_required("trustconsole.work_cases", raise_exception=True)
reassign_cases = permission_required("trustconsole.reassign_cases", raise_exception=True)


def case_or_404(case_id):
    try:
        return selectors.case_for_screen(case_id)
    except Case.DoesNotExist as error:
        raise Http404("No such case") from error


def error_messages(error):
    """The words of a refusal from a service, for a flash message or a form."""
    return error.messages if isinstance(error, ValidationError) else [str(error)]


def _page_number(request):
    raw = request.GET.get("page", "1")
    return max(1, min(int(raw), 10_000)) if raw.isdigit() else 1


@login_required
@view_cases
@require_GET
def queue_list(request):
    filterset = CaseFilter(request.GET, user=request.user)
    page = _page_number(request)
    cases, has_next = selectors.case_page(filterset, page) if filterset.is_valid() else ([], False)
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "filter": filterset,
        "rows": presenters.queue_rows(cases, timezone.now()),
        "page": page,
        "has_next": has_next,
        "query": query.urlencode(),
        "selectable": request.user.has_perm("trustconsole.work_cases"),
    }
    if request.htmx:
        return render(request, "cases/_queue_rows.html", context)
    # cleaned_data holds every valid filter, even when another one is not (is_valid ran above).
    current_queue = filterset.form.cleaned_data.get("queue")
    context["queues"] = presenters.queue_sidebar(selectors.queue_counts(), current_queue)
    context["carried"] = [(name, value) for name in query for value in query.getlist(name)]
    context["bulk_cap"] = settings.BULK_CASE_CAP
    return render(request, "cases/queue.html", context)


@login_required
@work_cases
@require_POST
def claim_next(request, queue_slug):
    queue = get_object_or_404(Queue, slug=queue_slug)
    case = work.claim_next_case(actor=request.user, queue=queue)
    if case is None:
        messages.info(request, f"No unclaimed case is waiting in {queue.name}.")
        return redirect(f"{reverse('cases:queue')}?queue={queue.slug}")
    return redirect("cases:case", case_id=case.pk)


@login_required
@view_cases
@require_GET
def case_detail(request, case_id):
    case = case_or_404(case_id)
    signals = selectors.case_signals(case)
    version = case.version
    context = {
        "case": case,
        "signals": signals,
        "latest_versions": selectors.latest_versions(signals),
        "earlier_cases": selectors.earlier_cases(case),
        "linked_cases": selectors.linked_cases(case, signals),
        "account_notes": selectors.pinned_account_notes(case.account),
        "notes": selectors.case_notes(case),
        "timeline": selectors.case_timeline(case),
        "holds_lease": work.holds_lease(case, request.user, timezone.now()),
        "band": priority.band(case.priority),
        "note_form": NoteForm(initial={"version": version}),
        "escalate_form": EscalateForm(initial={"version": version}),
        "reassign_form": ReassignForm(initial={"version": version}),
        "account_note_form": AccountNoteForm(),
        "may_work": request.user.has_perm("trustconsole.work_cases"),
        "may_reassign": request.user.has_perm("trustconsole.reassign_cases"),
        "actions": selectors.case_actions(case),
        "may_act": case.status in enforcement.ACTIONABLE,
        "may_dismiss": case.status in enforcement.DISMISSABLE,
        "dismiss_form": DismissForm(initial={"version": version}),
        "appeal_form": AppealFileForm(),
    }
    return render(request, "cases/case.html", context)


def _case_write(request, case_id, form_class, perform, done_message):
    """The one shape of every case write: form, service, clear refusal or redirect."""
    form = form_class(request.POST)
    if not form.is_valid():
        for field, errors in form.errors.items():
            messages.error(request, f"{field}: {' '.join(errors)}" if field != "__all__" else " ".join(errors))
        return redirect("cases:case", case_id=case_id)
    try:
        perform(form.cleaned_data)
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, " ".join(error_messages(error)))
        return redirect("cases:case", case_id=case_id)
    messages.success(request, done_message)
    return redirect("cases:case", case_id=case_id)


@login_required
@work_cases
@require_POST
def add_note(request, case_id):
    def perform(data):
        work.add_case_note(actor=request.user, case_id=case_id, expected_version=data["version"], text=data["text"])

    return _case_write(request, case_id, NoteForm, perform, "Note added.")


@login_required
@work_cases
@require_POST
def escalate(request, case_id):
    def perform(data):
        work.escalate_case(actor=request.user, case_id=case_id, expected_version=data["version"], reason=data["reason"])

    return _case_write(request, case_id, EscalateForm, perform, "Escalated to the leads.")


@login_required
@work_cases
@require_POST
def release(request, case_id):
    def perform(data):
        work.release_case(actor=request.user, case_id=case_id, expected_version=data["version"])

    return _case_write(request, case_id, VersionedForm, perform, "Case released back to its queue.")


@login_required
@reassign_cases
@require_POST
def reassign(request, case_id):
    def perform(data):
        work.reassign_case(
            actor=request.user, case_id=case_id, assignee=data["assignee"], expected_version=data["version"]
        )

    return _case_write(request, case_id, ReassignForm, perform, "Case reassigned.")


@login_required
@work_cases
@require_POST
def renew_lease(request, case_id):
    renewed = work.renew_lease(actor=request.user, case_id=case_id)
    return HttpResponse("held" if renewed else "lapsed", content_type="text/plain", status=200 if renewed else 409)


@login_required
@view_cases
@require_POST
def reveal_email(request, account_id, case_id=None):
    account = get_object_or_404(Account, pk=account_id)
    email = reputation_services.record_email_reveal(actor=request.user, account=account, case_id=case_id)
    context = {"account": account, "email": email, "case_id": case_id}
    template = "cases/_email.html" if request.htmx else "cases/email_revealed.html"
    return render(request, template, context)


@login_required
@work_cases
@require_POST
def add_account_note(request, account_id, case_id):
    account = get_object_or_404(Account, pk=account_id)
    form = AccountNoteForm(request.POST)
    if form.is_valid():
        reputation_services.add_account_note(actor=request.user, account=account, text=form.cleaned_data["text"])
        messages.success(request, "Pinned note added to the account; it shows on every case about it.")
    else:
        messages.error(request, "A pinned note needs some text (at most 4,000 characters).")
    return redirect("cases:case", case_id=case_id)


SAFE_SCHEMES = {"http", "https"}


@login_required
@view_cases
@require_GET
def leave(request):
    """The explicit warning before a link from evidence is opened."""
    url = request.GET.get("url", "")
    parts = urlsplit(url)
    openable = parts.scheme in SAFE_SCHEMES and bool(parts.hostname)
    return render(request, "cases/leave.html", {"url": url, "domain": parts.hostname or "", "openable": openable})
