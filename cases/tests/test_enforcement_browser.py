"""The enforcement path in a real browser: an analyst claims and acts with the keyboard through
the notice preview, a lead approves a ban, and the audit screen shows both."""

from playwright.sync_api import expect

from cases.models import ActionStatus, EnforcementAction
from cases.tests.conftest import act, sign_in
from conftest import TEST_PASSWORD
from reputation.models import Account, AccountStatus


def test_an_analyst_applies_the_recommended_action_and_a_lead_approves_a_ban(
    live_server,
    browser_page,
    analyst,
    lead,
    make_case,
    claimed,
    settings,
):
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "localhost"]
    ban_case = claimed(subject="cl-9")
    proposed_ban = act(analyst, ban_case, "ban", deviation_reason="Same payout card as a banned ring.")
    case = make_case(subject="cl-1", policy="CIR-PAY", score=0.99)
    page, errors = browser_page
    sign_in(page, live_server.url, "ana", TEST_PASSWORD)

    page.goto(f"{live_server.url}/queue/?queue={case.queue.slug}")
    page.keyboard.press("c")
    expect(page).to_have_url(f"{live_server.url}/cases/{case.pk}/")
    page.keyboard.press("a")
    expect(page.locator("#recommended")).to_have_text("Warn")
    expect(page.locator("#id_facts")).to_be_focused()
    page.keyboard.type("Offered to pay by bank transfer outside the platform.")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.locator(".notice-preview")).to_contain_text("Offered to pay by bank transfer")
    expect(page.locator(".notice-preview")).to_contain_text(case.policy.tos_url)
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{live_server.url}/cases/{case.pk}/")
    expect(page.locator(".messages")).to_contain_text("Warn applied")
    action = EnforcementAction.objects.get(case=case)
    assert (action.kind, action.status, action.recommended_kind) == ("warn", ActionStatus.APPLIED, "warn")

    page.context.clear_cookies()
    sign_in(page, live_server.url, "lee", TEST_PASSWORD)
    page.goto(f"{live_server.url}/approvals/")
    page.locator(f"#action-{proposed_ban.pk} button", has_text="Approve and apply").click()
    expect(page.locator(".messages")).to_contain_text("Approved and applied.")
    assert Account.objects.get(pk=ban_case.account_id).status == AccountStatus.BANNED

    page.goto(f"{live_server.url}/audit/?action=action.applied")
    rows = page.locator("#audit-table tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text(f"#{ban_case.pk}")
    expect(rows.nth(0)).to_contain_text("lee")
    expect(rows.nth(1)).to_contain_text(f"#{case.pk}")
    expect(rows.nth(1)).to_contain_text("ana")
    assert errors == [], f"the pages logged errors: {errors}"
