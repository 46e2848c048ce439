"""Signals carry no database foreign-key constraints (intake speed); Django's PROTECT still
refuses to delete anything a signal names."""

import pytest
from django.db.models import ProtectedError

from cases.models import ApiClient, Case, ContentVersion, Detector, Policy, Signal
from reputation.models import Account


@pytest.mark.parametrize(
    "referenced",
    [
        lambda signal: Policy.objects.get(pk=signal.policy_id),
        lambda signal: Detector.objects.get(pk=signal.detector_id),
        lambda signal: ApiClient.objects.get(pk=signal.api_client_id),
        lambda signal: Account.objects.get(pk=signal.account_id),
        lambda signal: ContentVersion.objects.get(pk=signal.content_id),
        lambda signal: Case.objects.get(pk=signal.case_id),
    ],
    ids=["policy", "detector", "api client", "account", "content version", "case"],
)
def test_deleting_anything_a_signal_names_is_refused(make_case, referenced):
    case = make_case()
    signal = Signal.objects.get(case=case)
    target = referenced(signal)
    with pytest.raises(ProtectedError):
        target.delete()
    assert type(target).objects.filter(pk=target.pk).exists()
    assert Signal.objects.filter(pk=signal.pk, case=case).exists()
