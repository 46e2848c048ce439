"""The analyst's keyboard path in a real browser (Debian's chromium, driven by Playwright)."""

from playwright.sync_api import expect

from cases.models import Case, CaseNote, CaseStatus
from cases.tests.conftest import sign_in


def test_an_analyst_triages_with_the_keyboard_alone(live_server, browser_page, analyst, make_case, settings):
    from conftest import TEST_PASSWORD

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "localhost"]
    low, high = make_case(subject="cl-1", score=0.2), make_case(subject="cl-2", score=0.95)
    page, errors = browser_page
    sign_in(page, live_server.url, "ana", TEST_PASSWORD)

    page.goto(f"{live_server.url}/queue/?queue=scams")
    page.keyboard.press("j")
    page.keyboard.press("j")
    page.keyboard.press("k")
    expect(page.locator("tr.case-row.selected")).to_have_attribute("data-href", f"/cases/{high.pk}/")
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{live_server.url}/cases/{high.pk}/")

    page.keyboard.press("?")
    expect(page.locator("dialog#shortcuts")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.locator("dialog#shortcuts")).to_be_hidden()

    page.keyboard.press("n")
    expect(page.locator("#note-form textarea")).to_be_focused()
    page.keyboard.type("Same payout card as the suspended account")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.locator(".messages")).to_contain_text("Note added.")
    assert CaseNote.objects.get(case=high).text == "Same payout card as the suspended account"

    page.keyboard.press("c")
    expect(page).to_have_url(f"{live_server.url}/cases/{high.pk}/")
    claimed = Case.objects.get(pk=high.pk)
    assert (claimed.assignee.username, claimed.status) == ("ana", CaseStatus.IN_REVIEW)

    page.keyboard.press("e")
    expect(page.locator("#escalate-form textarea")).to_be_focused()
    assert errors == [], f"the page logged errors: {errors}"
    assert Case.objects.get(pk=low.pk).assignee is None
