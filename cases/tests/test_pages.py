import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases.models import Case
from conftest import client_for
from trustconsole.models import AuditAction, AuditEvent


def test_the_queue_lists_open_cases_by_priority(analyst, make_case):
    low, high = make_case(subject="cl-1", score=0.1), make_case(subject="cl-2", score=0.99)
    html = client_for(analyst).get(reverse("cases:queue")).content.decode()
    assert html.index(f"#{high.pk}<") < html.index(f"#{low.pk}<")
    assert "Scams &amp; phishing" in html


def test_queue_filter_options_escape_admin_edited_titles_and_mark_the_chosen_one(analyst, make_case):
    from cases.models import Policy

    make_case(subject="cl-1")
    Policy.objects.filter(code="SCAM-JOB").update(title='Scams <b>"bold"</b> & more')
    html = client_for(analyst).get(reverse("cases:queue") + "?policy=SCAM-JOB").content.decode()
    assert "<b>" not in html
    assert '<option value="SCAM-JOB" selected>' in html
    assert "Scams &lt;b&gt;&quot;bold&quot;&lt;/b&gt; &amp; more" in html


def test_the_queue_list_counts_open_cases_up_to_the_cap_and_marks_the_filtered_queue(
    analyst, auditor, make_case, monkeypatch
):
    from cases import selectors

    monkeypatch.setattr(selectors, "COUNT_CAP", 2)
    scam = make_case(subject="cl-1", policy="SCAM-JOB")
    for n in range(2, 5):
        make_case(subject=f"cl-{n}", policy="SCAM-JOB")
    phish = make_case(subject="cl-9", policy="PHISH")
    queues = {q["slug"]: q for q in client_for(analyst).get(reverse("cases:queue")).context["queues"]}
    assert queues[scam.queue.slug]["count"] == "2+"  # four open cases, past a cap of two
    if phish.queue_id != scam.queue_id:
        assert queues[phish.queue.slug]["count"] == "1"
    assert queues[scam.queue.slug]["claim_url"] == reverse("cases:claim_next", args=[scam.queue.slug])
    assert not any(q["current"] for q in queues.values())

    html = client_for(analyst).get(reverse("cases:queue") + f"?queue={scam.queue.slug}&country=toolong").content
    claim = reverse("cases:claim_next", args=[scam.queue.slug])
    assert f'action="{claim}" class="inline claim-next current" id="claim-next"'.encode() in html
    assert b"Next case" not in client_for(auditor).get(reverse("cases:queue")).content


def test_typed_filters_keep_their_text_escaped_in_the_form(analyst):
    url = reverse("cases:queue") + '?q="><script>x</script>&country=u"'
    html = client_for(analyst).get(url).content.decode()
    assert "<script>x" not in html
    assert '<input type="search" name="q" id="id_q" value="&quot;&gt;&lt;script&gt;x&lt;/script&gt;">' in html
    assert '<input type="text" name="country" id="id_country" value="u&quot;" maxlength="2" size="3">' in html
    assert '<label for="id_sla">SLA:</label>' in html


def test_queue_rows_escape_account_names_and_show_each_cell(analyst, make_case, lead):
    from cases.services import work
    from reputation.models import Account

    case = make_case(subject="cl-1")
    Account.objects.filter(pk=case.account_id).update(name='<img src=x onerror="alert(1)">')
    work.claim_next_case(actor=analyst, queue=case.queue)
    html = client_for(lead).get(reverse("cases:queue") + "?policy=SCAM-JOB").content.decode()
    assert "<img src=x" not in html and "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in html
    row = re.search(rf'<tr data-href="/cases/{case.pk}/".*?</tr>', html, re.S).group(0)
    assert '<abbr title="Scam job post">SCAM-JOB</abbr>' in row
    assert f'value="{case.pk}"' in row  # a lead may select cases for bulk work
    assert "client · NG" in row and "<td>ana</td>" in row and "<td>In review</td>" in row
    selected = re.search(r'<select name="policy".*?</select>', html, re.S).group(0)
    assert '<option value="SCAM-JOB" selected>' in selected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("q=gift+card", {"cl-gift"}),
        ("country=ke", {"cl-kenya"}),
        ("policy=PHISH", {"cl-phish"}),
        ("band=low", {"cl-low"}),
        ("assignee=unassigned", {"cl-gift", "cl-kenya", "cl-phish", "cl-low"}),
        ("source=report", set()),
        ("sort=age&queue=scams", {"cl-gift", "cl-kenya", "cl-phish"}),
    ],
)
def test_queue_filters_narrow_the_list(analyst, make_case, query, expected):
    make_case(subject="cl-gift", text="Buy a gift card to unlock work")
    make_case(subject="cl-kenya", country="KE")
    make_case(subject="cl-phish", policy="PHISH", text="verify your payout at http://bad.example")
    make_case(subject="cl-low", score=0.0, policy="SPAM", text="hello sir")
    html = client_for(analyst).get(f"{reverse('cases:queue')}?{query}").content.decode()
    shown = set(re.findall(r"(cl-[a-z]+)", html)) & {"cl-gift", "cl-kenya", "cl-phish", "cl-low"}
    assert shown == expected


def test_an_invalid_filter_value_is_explained_not_a_crash(analyst, make_case):
    make_case()
    response = client_for(analyst).get(f"{reverse('cases:queue')}?queue=nope&band=huge")
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()


def test_htmx_gets_only_the_rows(analyst, make_case):
    make_case()
    response = client_for(analyst).get(reverse("cases:queue"), headers={"HX-Request": "true"})
    html = response.content.decode()
    assert 'id="case-table"' in html and "<h1" not in html and "<html" not in html


def test_the_queue_pages_without_counting_the_table(analyst, make_case, settings):
    from cases import selectors

    selectors.PAGE_SIZE, saved = 2, selectors.PAGE_SIZE
    try:
        for n in range(5):
            make_case(subject=f"cl-{n}")
        first = client_for(analyst).get(reverse("cases:queue")).content.decode()
        assert 'rel="next"' in first and 'rel="prev"' not in first
        last = client_for(analyst).get(f"{reverse('cases:queue')}?page=3").content.decode()
        assert 'rel="next"' not in last and 'rel="prev"' in last
    finally:
        selectors.PAGE_SIZE = saved


def count_queries(client, url):
    """Queries of one page view, once the session is fresh (a renewal adds its own write)."""
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    assert not any("COUNT(*)" in q["sql"] and "LIMIT" not in q["sql"] for q in captured.captured_queries), (
        "counted the table"
    )
    return len(captured)


def test_the_queue_page_query_count_does_not_grow_with_the_data(analyst, make_case):
    client = client_for(analyst)
    client.get(reverse("cases:queue"))  # renews the new session, caches the filters' choices
    for n in range(3):
        make_case(subject=f"cl-{n}")
    few = count_queries(client, reverse("cases:queue"))
    for n in range(3, 30):
        make_case(subject=f"cl-{n}", policy="PHISH" if n % 2 else "SCAM-JOB")
    assert count_queries(client, reverse("cases:queue")) == few
    # user, permissions with roles, page rows, queues with capped counts (the session is cached)
    assert few == 4


def test_the_case_page_query_count_does_not_grow_with_its_signals(analyst, make_case):
    client = client_for(analyst)
    client.get(reverse("home"))  # renews the new session
    case = make_case(subject="cl-1")
    few = count_queries(client, reverse("cases:case", args=[case.pk]))
    for n in range(12):
        make_case(subject="cl-1", text=f"variant {n}")
    assert count_queries(client, reverse("cases:case", args=[case.pk])) == few
    # user, permissions with roles, case, signals, versions, earlier, linked, account notes,
    # case notes, actions, timeline (the session is cached)
    assert few == 11


def test_evidence_is_escaped_and_links_are_text_behind_a_warning(analyst, make_case):
    case = make_case(text='<script>alert("x")</script> pay at https://evil.example/pay?x=1')
    html = client_for(analyst).get(reverse("cases:case", args=[case.pk])).content.decode()
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert '<a href="https://evil.example' not in html
    assert "(evil.example)" in html
    assert reverse("cases:leave") + "?url=https%3A//evil.example/pay%3Fx%3D1" in html


def test_the_case_shows_when_content_changed_since_first_seen(analyst, make_case):
    case = make_case(content_id="job-77", text="original text")
    make_case(content_id="job-77", text="edited text")
    html = client_for(analyst).get(reverse("cases:case", args=[case.pk])).content.decode()
    assert "changed since first seen" in html


def test_the_leave_page_opens_only_web_addresses(analyst):
    client = client_for(analyst)
    web = client.get(reverse("cases:leave"), {"url": "https://evil.example/x"}).content.decode()
    assert 'href="https://evil.example/x"' in web and 'rel="noopener noreferrer nofollow"' in web
    script = client.get(reverse("cases:leave"), {"url": "javascript:alert(1)"}).content.decode()
    assert 'href="javascript' not in script and "cannot be opened" in script


def test_revealing_the_email_is_audited(analyst, make_case):
    case = make_case()
    case.account.email = "owner@secret.example"
    case.account.save(update_fields=["email"])
    page = client_for(analyst).get(reverse("cases:case", args=[case.pk])).content.decode()
    assert "owner@secret.example" not in page
    response = client_for(analyst).post(
        reverse("cases:reveal_email", args=[case.pk, case.account.pk]), headers={"HX-Request": "true"}
    )
    assert "owner@secret.example" in response.content.decode()
    event = AuditEvent.objects.filter(action=AuditAction.ACCOUNT_EMAIL_REVEALED).get()
    assert (event.actor_name, event.subject_account, event.case_id) == ("ana", "cl-1", case.pk)


def test_a_pinned_account_note_shows_on_every_case_about_the_account(analyst, make_case):
    first = make_case(subject="cl-1", policy="SCAM-JOB")
    second = make_case(subject="cl-1", policy="PHISH")
    client = client_for(analyst)
    client.post(reverse("cases:add_account_note", args=[first.pk, first.account.pk]), {"text": "Known fee scammer"})
    assert "Known fee scammer" in client.get(reverse("cases:case", args=[second.pk])).content.decode()
    client.post(reverse("cases:add_account_note", args=[first.pk, first.account.pk]), {"text": "   "})
    assert first.account.notes.count() == 1


def test_the_case_page_shows_priority_parts_and_the_timeline(analyst, make_case):
    case = make_case()
    html = client_for(analyst).get(reverse("cases:case", args=[case.pk])).content.decode()
    for part in ("severity", "score", "sources", "reach", "sla"):
        assert f'<th scope="row">{part}</th>' in html
    assert "Case opened" in html and Case.objects.get(pk=case.pk).version == case.version


def search_queries(client, term):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("cases:queue"), {"q": term})
    sql = [q["sql"] for q in queries]
    page_sql = [q for q in sql if q.startswith('SELECT "cases_case"."id" AS "pk", "cases_case"."priority"')]
    return response, sql, page_sql[-1] if page_sql else None


def analyse_cases():
    # ANALYZE inside the test's transaction counts its own rows; the statistics roll back with it.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE cases_case")


def test_a_search_the_statistics_show_rare_probes_the_gin_index_without_walking_the_window(
    analyst, make_case, monkeypatch
):
    from cases import selectors

    monkeypatch.setattr(selectors, "SEARCH_WINDOW", 4)
    cases = [make_case(subject=f"cl-{n}", text=f"Buy a gift card to start {n}") for n in range(6)]
    client = client_for(analyst)
    analyse_cases()
    assert selectors.known_rare("wire") and selectors.known_rare("gift wire")
    assert not selectors.known_rare("gift card")  # both words are among the commonest
    assert not selectors.known_rare("gift or wire") and not selectors.known_rare("gift -card")
    response, sql, _ = search_queries(client, "wire")
    assert not any("search_match" in q for q in sql) and response.context["rows"] == []
    response, sql, _ = search_queries(client, "gift card")
    assert any("search_match" in q for q in sql) and len(response.context["rows"]) == len(cases)


def test_a_search_walks_a_window_of_the_order_then_probes_the_gin_index_then_walks_the_whole_order(
    analyst, make_case, monkeypatch
):
    from cases import selectors

    monkeypatch.setattr(selectors, "PAGE_SIZE", 2)
    monkeypatch.setattr(selectors, "SEARCH_WINDOW", 4)
    monkeypatch.setattr(selectors, "COMMON_SEARCH_MATCHES", 3)
    # The window (the four highest priorities) holds three gift-card cases: a page and one more.
    for n in range(3):
        make_case(subject=f"cl-gift-{n}", text=f"Buy a gift card to start {n}", score=0.9 - n / 100)
    make_case(subject="cl-top", text="Nothing to see", score=0.95)
    # Refund cases sit below the window; the wire case is one of a kind.
    refunds = [make_case(subject=f"cl-ref-{n}", text=f"Refund first {n}", score=0.1 + n / 100) for n in range(3)]
    wire = make_case(subject="cl-wire", text="Send the onboarding fee by wire", score=0.05)
    analyse_cases()  # every word of eight cases is among the commonest: none is known rare
    client = client_for(analyst)

    def probed(sql):
        return any(q.startswith('SELECT "cases_case"."id" AS "pk" FROM') and q.endswith("LIMIT 3") for q in sql)

    def shown(response):
        return [row["pk"] for row in response.context["rows"]]

    def in_order(term):
        matching = Case.objects.filter(search_text__icontains=term).order_by("-priority", "id")
        return list(matching.values_list("pk", flat=True))

    response, sql, _ = search_queries(client, "gift card")
    assert shown(response) == in_order("gift card")[:2] and response.context["has_next"]
    assert any("search_match" in q for q in sql) and not probed(sql)
    response, sql, page_sql = search_queries(client, "wire")
    assert shown(response) == [wire.pk] and not response.context["has_next"]
    assert probed(sql) and 'cases_case"."id" IN' in page_sql  # sorted from the probe's ids
    response, sql, page_sql = search_queries(client, "refund")
    assert shown(response) == in_order("refund")[:2] == [refunds[2].pk, refunds[1].pk]
    assert probed(sql) and response.context["has_next"] and 'cases_case"."id" IN' not in page_sql


@pytest.mark.django_db(transaction=True)  # in autocommit, as a page runs: the block is the transaction
def test_planner_switches_hold_inside_their_transaction_only():
    from cases import selectors

    def setting(name):
        with connection.cursor() as cursor:
            cursor.execute(f"SHOW {name}")
            return cursor.fetchone()[0]

    before = {name: setting(name) for name in ("enable_seqscan", "enable_sort", "jit")}
    with CaptureQueriesContext(connection) as queries, selectors.planner(enable_seqscan=False, enable_sort=True):
        assert (setting("enable_seqscan"), setting("enable_sort"), setting("jit")) == ("off", "on", "off")
    assert len([q for q in queries.captured_queries if "set_config" in q["sql"]]) == 1  # one statement sets them all
    assert {name: setting(name) for name in before} == before
