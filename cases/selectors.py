"""Named reads of the cases app, used by views, jobs and the API."""

import re
from contextlib import contextmanager

from django.db import connection, transaction
from django.db.models import Q
from django.db.models.expressions import RawSQL
from django.utils import timezone

from cases.filters import SEARCH_MATCH
from cases.models import (
    OPEN_STATUSES,
    ActionStatus,
    Appeal,
    AppealStatus,
    Case,
    CaseNote,
    ContentItem,
    ContentVersion,
    EnforcementAction,
    QaReview,
    Queue,
    Signal,
    Visibility,
)
from reputation.models import AccountNote, Badge, Contract, Restriction
from trustconsole.models import AuditEvent

PAGE_SIZE = 50
# Counts stop here: "1,000+" is all a queue header needs, and it stays one index range scan.
COUNT_CAP = 1000


def queue_counts():
    """[(queue, open count capped at COUNT_CAP + 1)]: one statement, each count a short index range
    scan that stops at the cap, so it costs the same at a thousand cases or a million."""
    statuses = ", ".join(["%s"] * len(OPEN_STATUSES))
    capped = RawSQL(  # noqa: S611 - fixed SQL; the statuses are parameters
        f"SELECT COUNT(*) FROM (SELECT 1 FROM cases_case c WHERE c.queue_id = cases_queue.id "  # noqa: S608
        f"AND c.status IN ({statuses}) LIMIT {COUNT_CAP + 1}) AS capped",
        [str(status) for status in OPEN_STATUSES],
    )
    return [(queue, queue.open_count) for queue in Queue.objects.annotate(open_count=capped)]


# A search first walks this many cases in the page's order, testing each: a term that one case
# in a hundred matches fills its page there, whatever the planner thinks of the word.
SEARCH_WINDOW = 5000
# Past the window, a search matching at least this many cases is "common".
COMMON_SEARCH_MATCHES = 2000


# One statement: the search as the filter reads it, the number of cases ANALYZE last counted,
# and the lexemes it found commonest in their search vectors (up to ten times the statistics
# target of them).
_SEARCH_STATISTICS = """
    SELECT websearch_to_tsquery('english', %s)::text, c.reltuples, s.most_common_elems::text::text[]
    FROM pg_class AS c
    LEFT JOIN pg_stats AS s
        ON s.schemaname = current_schema() AND s.tablename = c.relname AND s.attname = 'search_vector'
    WHERE c.oid = 'cases_case'::regclass
"""
_LEXEME = re.compile(r"'((?:[^']|'')*)'")


def known_rare(term):
    """Whether the statistics show a search to be rare: all its words must match (no OR, no
    NOT), and one of them is not among the commonest lexemes, so fewer cases hold it than hold
    the least common of those. Without statistics, or for a table the window would walk whole
    anyway, nothing is known."""
    with connection.cursor() as cursor:
        cursor.execute(_SEARCH_STATISTICS, [term])
        query, counted, common = cursor.fetchone()
    if common is None or counted <= SEARCH_WINDOW or "|" in query or "!" in query:
        return False
    return any(lexeme.replace("''", "'") not in common for lexeme in _LEXEME.findall(query))


@contextmanager
def planner(**switches):
    """Run the queries inside with some PostgreSQL planner switches (enable_seqscan=False, …)
    set for this transaction only. Used where the planner cannot know which plan wins (see
    case_page). JIT is off too: plans with switched-off nodes look costly enough to trigger it,
    and compiling takes longer than the query."""
    switched = {**switches, "jit": False}
    # set_config(..., true) is SET LOCAL; one statement sets them all, in one round trip.
    calls = ", ".join(["set_config(%s, %s, true)"] * len(switched))
    values = [value for name, on in switched.items() for value in (name, "on" if on else "off")]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SELECT {calls}", values)
        yield


# What a queue row shows (cases.presenters.queue_rows), read as dicts. A case's search text runs
# to 20,000 characters and the related rows are wide: reading whole rows cost the page more than
# finding them, and building three model instances per row was a tenth of its time.
QUEUE_ROW_FIELDS = (
    "pk",
    "priority",
    "country",
    "signal_count",
    "has_reports",
    "opened_at",
    "due_at",
    "sla_breached",
    "status",
    "lease_expires_at",
    "policy__code",
    "policy__title",
    "account__name",
    "account__external_id",
    "account__kind",
    "assignee__username",
)


def _page(queryset, ordering, page):
    """One page of queue rows (QUEUE_ROW_FIELDS dicts), and whether another page follows."""
    window = slice((page - 1) * PAGE_SIZE, page * PAGE_SIZE + 1)
    rows = list(queryset.order_by(*ordering).values(*QUEUE_ROW_FIELDS)[window])
    return rows[:PAGE_SIZE], len(rows) > PAGE_SIZE


def _matches_in_window(filterset, page):
    """Ids of the first matches up to this page's end among the first SEARCH_WINDOW cases in
    the page's order, read in that order so that it stops as soon as it has them."""
    ordering = filterset.ordering
    window = (
        filterset.unsearched_qs.order_by(*ordering)
        .extra(select={"search_match": SEARCH_MATCH}, select_params=[filterset.search_term])  # noqa: S610
        .values("pk", "search_match", *(field.lstrip("-") for field in ordering))[:SEARCH_WINDOW]
    )
    sql, params = window.query.sql_with_params()
    order = ", ".join(f'w."{field.lstrip("-")}"' + (" DESC" if field.startswith("-") else "") for field in ordering)
    with planner(enable_seqscan=False, enable_bitmapscan=False, enable_sort=False), connection.cursor() as cursor:
        cursor.execute(
            f"SELECT w.pk FROM ({sql}) w WHERE w.search_match ORDER BY {order} LIMIT %s",  # noqa: S608
            [*params, page * PAGE_SIZE + 1],
        )
        return [pk for (pk,) in cursor.fetchall()]


def case_page(filterset, page):
    """One page of filtered cases, fetching one row more to know whether a next page exists.

    A content search on PostgreSQL picks its plan at run time, because the planner cannot tell
    a rare term from a common one (it guesses 0.5 % of rows for any word without statistics,
    and multiplies the shares of words that occur together):
    - walk the first SEARCH_WINDOW cases in the page's order and test each; a term that fills
      the page there is done, at the cost of a page's worth of rows for a common one. A term
      known to be rare (known_rare) skips the walk, which it would only fail;
    - otherwise probe the GIN index for at most COMMON_SEARCH_MATCHES matches (bitmap scans);
      fewer than that is every match, and the page is sorted from those ids alone;
    - more means a term that is common overall but thin at the top: walk the whole order.
    """
    queryset = filterset.qs
    if not (filterset.searched and connection.vendor == "postgresql"):
        return _page(queryset, filterset.ordering, page)
    if not known_rare(filterset.search_term):
        matches = _matches_in_window(filterset, page)
        if len(matches) > page * PAGE_SIZE:
            return _page(Case.objects.filter(pk__in=matches), filterset.ordering, page)
    with planner(enable_seqscan=False, enable_indexscan=False):
        matches = list(queryset.order_by().values_list("pk", flat=True)[:COMMON_SEARCH_MATCHES])
    if len(matches) < COMMON_SEARCH_MATCHES:
        return _page(Case.objects.filter(pk__in=matches), filterset.ordering, page)
    with planner(enable_seqscan=False, enable_bitmapscan=False, enable_sort=False):
        return _page(queryset, filterset.ordering, page)


def case_for_screen(case_id):
    return Case.objects.select_related("account", "policy", "queue", "assignee").get(pk=case_id)


def case_signals(case, limit=200):
    return list(
        Signal.objects.filter(case=case)
        .select_related("detector", "reporter__account", "report_reason", "content__item", "api_client")
        .order_by("-received_at", "-id")[:limit]
    )


def latest_versions(signals):
    """{content item id: its newest version}, to say "changed since first seen"."""
    item_ids = {s.content.item_id for s in signals if s.content_id}
    latest = {}
    for version in ContentVersion.objects.filter(item_id__in=item_ids).order_by("item_id", "seen_at", "id"):
        latest[version.item_id] = version
    return latest


def earlier_cases(case, limit=20):
    return list(
        Case.objects.filter(account_id=case.account_id)
        .exclude(pk=case.pk)
        .select_related("policy")
        .order_by("-opened_at")[:limit]
    )


def linked_cases(case, signals, limit=20):
    """Other cases that share content with this one (a message reported twice, a copied post)."""
    item_ids = {s.content.item_id for s in signals if s.content_id}
    if not item_ids:
        return []
    return list(
        Case.objects.filter(Q(signals__content__item_id__in=item_ids))
        .exclude(pk=case.pk)
        .exclude(account_id=case.account_id)
        .select_related("account", "policy")
        .distinct()
        .order_by("-opened_at")[:limit]
    )


def pinned_account_notes(account):
    return list(AccountNote.objects.filter(account=account, pinned=True).select_related("author")[:50])


def case_notes(case):
    return list(CaseNote.objects.filter(case=case).select_related("author"))


def case_timeline(case, limit=200):
    return list(AuditEvent.objects.filter(case_id=case.pk).order_by("-id")[:limit])


def active_contracts(account, limit=None):
    contracts = (
        Contract.objects.filter(ended_at__isnull=True)
        .filter(Q(freelancer=account) | Q(client=account))
        .select_related("freelancer", "client")
        .order_by("pk")
    )
    return list(contracts[:limit] if limit else contracts)


def counterparties(account, contracts=None):
    """The other side of each active contract."""
    contracts = active_contracts(account) if contracts is None else contracts
    return [c.client if c.freelancer_id == account.pk else c.freelancer for c in contracts]


def case_content_items(case):
    """The content items named in the case's signals."""
    ids = Signal.objects.filter(case=case, content__isnull=False).values("content__item_id")
    return ContentItem.objects.filter(pk__in=ids).order_by("content_type", "external_id")


def matching_case_ids(filterset, cap):
    """Ids of the cases a queue filter matches, one past the cap so a caller can refuse."""
    return list(filterset.qs.values_list("pk", flat=True)[: cap + 1])


def open_listings(account):
    """Job posts and proposals of the account that are still visible."""
    return ContentItem.objects.filter(
        author=account,
        content_type__in=["job_post", "proposal"],
        visibility=Visibility.VISIBLE,
    ).order_by("content_type", "external_id")


def blast_radius(account):
    """What an action on the account would touch, shown before anything is applied."""
    contracts = active_contracts(account, limit=50)
    return {
        "contracts": contracts,
        "counterparties": counterparties(account, contracts),
        "listings": list(open_listings(account)[:50]),
        "badges": list(Badge.objects.filter(account=account, revoked_at__isnull=True)),
        "other_cases": list(
            Case.objects.still_open().filter(account=account).select_related("policy").order_by("-priority")[:20]
        ),
        "restrictions": list(Restriction.objects.filter(account=account).active_at(timezone.now())),
    }


def pending_approvals():
    return (
        EnforcementAction.objects.filter(status=ActionStatus.PENDING_APPROVAL)
        .select_related("case__policy", "account", "proposed_by")
        .order_by("created_at", "id")
    )


def open_appeals():
    return (
        Appeal.objects.filter(status=AppealStatus.OPEN)
        .select_related("action__case__policy", "action__account", "action__proposed_by", "action__approved_by")
        .order_by("filed_at", "id")
    )


def case_actions(case):
    return list(
        case.actions.select_related("proposed_by", "approved_by").prefetch_related("appeals").order_by("created_at")
    )


def account_contracts(account, limit=50):
    return list(
        Contract.objects.filter(Q(freelancer=account) | Q(client=account))
        .select_related("freelancer", "client")
        .order_by("-started_at")[:limit]
    )


def account_cases(account, limit=50):
    return list(Case.objects.filter(account=account).select_related("policy").order_by("-opened_at")[:limit])


def qa_overview(user):
    """The reviewer's own QA work: the review in progress, what waits for them, what they did."""
    return {
        "in_progress": QaReview.objects.filter(reviewer=user, completed_at__isnull=True)
        .select_related("case__policy")
        .first(),
        "waiting": QaReview.objects.filter(reviewer__isnull=True).exclude(first_reviewer=user)[:COUNT_CAP].count(),
        "recent": list(
            QaReview.objects.filter(reviewer=user, completed_at__isnull=False)
            .select_related("case__policy")
            .order_by("-completed_at")[:20]
        ),
    }
