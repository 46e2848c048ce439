"""The account page: who sees what of the score, and the audited reveal of private feedback."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import client_for
from reputation.models import Account, Contract
from reputation.scores import recompute_scores
from trustconsole.actors import SystemActor
from trustconsole.models import AuditAction, AuditEvent


@pytest.fixture
def scored(db):
    freelancer = Account.objects.create(external_id="fl-1", kind="freelancer", name="Ada")
    now = timezone.now()
    contracts = []
    for n in range(3):
        client = Account.objects.create(external_id=f"cl-{n}", kind="client", payment_verified=True)
        contracts.append(
            Contract.objects.create(
                external_id=f"ct-{n}",
                freelancer=freelancer,
                client=client,
                kind="fixed",
                started_at=now - timedelta(days=60),
                ended_at=now - timedelta(days=10),
                earnings_cents=30_000,
                client_private=7 + n,
                client_public=5,
                feedback_at=now - timedelta(days=10),
            )
        )
    recompute_scores(actor=SystemActor("test"))
    Contract.objects.filter(pk=contracts[0].pk).update(client_private=2)
    recompute_scores(actor=SystemActor("test"))
    return freelancer, contracts


def test_analysts_see_outcome_bands_but_not_the_lower_bound(analyst, scored):
    html = client_for(analyst).get(reverse("cases:account", args=["fl-1"])).content.decode()
    assert 'id="ledger"' in html and "positive" in html
    assert "Lower bound" not in html and "private (logged)" not in html
    assert "Since " in html and "outcome_changed: " in html


def test_leads_see_the_lower_bound_and_exact_outcomes(lead, scored):
    html = client_for(lead).get(reverse("cases:account", args=["fl-1"])).content.decode()
    assert "Lower bound" in html and "0.93" in html


def test_admins_reveal_private_feedback_and_each_reveal_is_logged(admin, analyst, scored):
    _, contracts = scored
    url = reverse("cases:reveal_private", args=["fl-1", contracts[1].pk])
    assert client_for(analyst).post(url).status_code == 403
    assert not AuditEvent.objects.filter(action=AuditAction.PRIVATE_FEEDBACK_REVEALED).exists()
    response = client_for(admin).post(url)
    assert "8 of 10" in response.content.decode()
    row = AuditEvent.objects.get(action=AuditAction.PRIVATE_FEEDBACK_REVEALED)
    assert (row.actor_name, row.target_id, row.subject_account) == ("adm", str(contracts[1].pk), "fl-1")
    other = reverse("cases:reveal_private", args=["cl-0", contracts[1].pk])
    assert client_for(admin).post(other).status_code == 403


def test_an_unknown_account_is_404_and_outsiders_are_refused(analyst, outsider, db):
    assert client_for(analyst).get(reverse("cases:account", args=["nobody"])).status_code == 404
    assert client_for(outsider).get(reverse("cases:account", args=["nobody"])).status_code == 403
