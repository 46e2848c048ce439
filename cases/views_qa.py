"""The blind second review of sampled cases: an analyst takes the next review that is not their
own decision, sees the case's evidence without the first decision, and records theirs."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from cases import selectors
from cases.forms import QaVerdictForm
from cases.models import QaReview
from cases.services import qa
from cases.views import error_messages, work_cases


def review_for(user, review_id):
    """A review its reviewer may work on, or a finished one a lead may read; nobody else sees it,
    so the first decision stays hidden from other analysts."""
    review = get_object_or_404(
        QaReview.objects.select_related("case__account", "case__policy", "first_reviewer", "reviewer"), pk=review_id
    )
    if review.reviewer_id == user.pk or (review.done and user.has_perm("trustconsole.view_dashboards")):
        return review
    raise PermissionDenied("This QA review is someone else's.")


@login_required
@work_cases
@require_GET
def qa_home(request):
    return render(request, "cases/qa_home.html", selectors.qa_overview(request.user))


@login_required
@work_cases
@require_POST
def qa_next(request):
    review = qa.take_next_review(actor=request.user)
    if review is None:
        messages.info(request, "No sampled case is waiting for a second review by you.")
        return redirect("cases:qa")
    return redirect("cases:qa_review", review_id=review.pk)


@login_required
@work_cases
@require_GET
def qa_review(request, review_id):
    review = review_for(request.user, review_id)
    return _review_page(request, review, QaVerdictForm())


def _review_page(request, review, form, status=200):
    blind = not review.done
    context = {"review": review, "case": review.case, "form": form, "blind": blind}
    context["signals"] = selectors.case_signals(review.case)
    context["latest_versions"] = selectors.latest_versions(context["signals"])
    return render(request, "cases/qa_review.html", context, status=status)


@login_required
@work_cases
@require_POST
def qa_submit(request, review_id):
    review = review_for(request.user, review_id)
    form = QaVerdictForm(request.POST)
    if not form.is_valid():
        return _review_page(request, review, form, status=400)
    try:
        qa.complete_review(
            actor=request.user,
            review_id=review.pk,
            verdict=form.cleaned_data["verdict"],
            note=form.cleaned_data["note"],
        )
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, " ".join(error_messages(error)))
        return redirect("cases:qa")
    messages.success(request, f"Your review of case #{review.case_id} is recorded.")
    return redirect("cases:qa")
