"""The case table is written on every grouping run: it keeps as few indexes as its reads need,
and its search vector is recomputed only when its text changes."""

from django.db import connection

from cases.models import Case


def _leading_columns(table):
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT a.attname
            FROM pg_index i
            JOIN pg_class t ON t.oid = i.indrelid
            JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = i.indkey[0]
            WHERE t.relname = %s AND i.indpred IS NULL
            """,
            [table],
        )
        return [column for (column,) in cursor.fetchall()]


def test_every_foreign_key_of_a_case_leads_a_whole_table_index_so_protect_checks_never_scan(db):
    leading = _leading_columns(Case._meta.db_table)
    keys = [field.column for field in Case._meta.concrete_fields if field.is_relation]
    assert sorted(keys) == ["account_id", "assignee_id", "decided_by_id", "policy_id", "queue_id"]
    assert all(key in leading for key in keys), (keys, leading)


def test_no_two_whole_table_indexes_of_a_case_lead_with_the_same_key(db):
    # A single-column index beside a composite that leads with the same column repeats it.
    leading = _leading_columns(Case._meta.db_table)
    assert len(leading) == len(set(leading)), sorted(leading)


def _search_vector(case):
    with connection.cursor() as cursor:
        cursor.execute("SELECT search_vector::text FROM cases_case WHERE id = %s", [case.pk])
        return cursor.fetchone()[0]


def test_a_case_search_vector_is_recomputed_only_when_grouping_changes_its_text(make_case):
    case = make_case(subject="cl-9", text="Pay a fee to apply", content_id="job-a")
    assert "'fee'" in _search_vector(case)
    # A sentinel shows whether a later update recomputed the vector.
    with connection.cursor() as cursor:
        cursor.execute("UPDATE cases_case SET search_vector = 'sentinel' WHERE id = %s", [case.pk])

    same_text = make_case(subject="cl-9", text="Pay a fee to apply", content_id="job-a")
    assert (same_text.pk, same_text.signal_count) == (case.pk, 2)
    assert _search_vector(case) == "'sentinel'"

    new_text = make_case(subject="cl-9", text="Wire the deposit by Western Union", content_id="job-b")
    assert (new_text.pk, new_text.signal_count) == (case.pk, 3)
    vector = _search_vector(case)
    assert "'deposit'" in vector and "'fee'" in vector and "sentinel" not in vector
