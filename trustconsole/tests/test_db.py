"""The bulk helpers intake and grouping stand on: arrays in, conflicts skipped, pairs matched."""

import uuid

import pytest
from django.db import connection, models, transaction
from django.utils import timezone

from cases.models import ContentItem, ContentVersion, Queue
from reputation.models import Account
from trustconsole.db import array_literal, copy_rows, insert_rows, rows_by_keys, update_rows


def author(external_id="fl-1"):
    return Account.objects.create(external_id=external_id, kind="freelancer")


def item_rows(author_id, *external_ids):
    now = timezone.now()
    return [("job_post", external_id, author_id, "visible", now) for external_id in external_ids]


ITEM_FIELDS = ["content_type", "external_id", "author", "visibility", "first_seen_at"]


def test_insert_rows_returns_the_inserted_rows_numbered_in_the_order_given(db):
    account = author()
    inserted = insert_rows(
        ContentItem, ITEM_FIELDS, item_rows(account.pk, "b", "a", "c"), returning=("external_id", "id")
    )
    assert [external_id for external_id, _ in inserted] == ["b", "a", "c"]
    ids = [pk for _, pk in inserted]
    assert ids == sorted(ids)
    assert set(ContentItem.objects.values_list("external_id", "author_id")) == {(x, account.pk) for x in "abc"}


def test_insert_rows_skips_conflicting_rows_and_does_not_return_them(db):
    account = author()
    insert_rows(ContentItem, ITEM_FIELDS, item_rows(account.pk, "a"))
    inserted = insert_rows(
        ContentItem, ITEM_FIELDS, item_rows(account.pk, "a", "b"), skip_conflicts=True, returning=("external_id",)
    )
    assert inserted == [("b",)]
    assert ContentItem.objects.count() == 2


def test_insert_rows_stores_json_and_text_exactly(db):
    account = author()
    (pk,) = insert_rows(ContentItem, ITEM_FIELDS, item_rows(account.pk, "x"), returning=("id",))[0]
    text = "quote ' double \" backslash \\ brace { } comma , NULL"
    insert_rows(
        ContentVersion,
        ["item", "sha256", "text", "url", "created_at", "seen_at"],
        [(pk, "f" * 64, text, "", None, timezone.now())],
    )
    assert ContentVersion.objects.get().text == text
    queue = Queue.objects.create(slug="q", name="Q")
    assert update_rows(Queue, [Queue(pk=queue.pk, slug="q", name='say "hi", {ok}')], ["name"]) == 1
    assert Queue.objects.get().name == 'say "hi", {ok}'


def test_copy_rows_stores_nothing_and_says_so_when_a_row_conflicts(db):
    account = author()
    insert_rows(ContentItem, ITEM_FIELDS, item_rows(account.pk, "b"))
    with transaction.atomic():
        assert copy_rows(ContentItem, ITEM_FIELDS, item_rows(account.pk, "a", "b")) is False
        # The transaction goes on: the failed copy was rolled back to its savepoint.
        assert sorted(ContentItem.objects.values_list("external_id", flat=True)) == ["b"]
        assert copy_rows(ContentItem, ITEM_FIELDS, item_rows(account.pk, "a", "c")) is True
    assert sorted(ContentItem.objects.values_list("external_id", flat=True)) == ["a", "b", "c"]


def test_rows_by_keys_matches_whole_pairs_not_every_combination(db):
    account = author()
    ids = dict(insert_rows(ContentItem, ITEM_FIELDS, item_rows(account.pk, "a", "b"), returning=("external_id", "id")))
    insert_rows(
        ContentItem, ITEM_FIELDS, [("profile", "a", account.pk, "visible", timezone.now())], skip_conflicts=True
    )
    found = rows_by_keys(
        ContentItem, ["content_type", "external_id"], [("job_post", "a"), ("profile", "b")], ["external_id", "id"]
    )
    assert found == [("a", ids["a"])]
    assert rows_by_keys(ContentItem, ["content_type", "external_id"], [], ["id"]) == []


def test_the_any_of_lookup_filters_by_a_list_of_values_and_foreign_keys(db):
    first, second = author("fl-1"), author("fl-2")
    insert_rows(ContentItem, ITEM_FIELDS, item_rows(first.pk, "a") + item_rows(second.pk, "b"))
    assert list(Account.objects.filter(external_id__any_of=["fl-2", "nobody"]).values_list("pk", flat=True)) == [
        second.pk
    ]
    assert list(ContentItem.objects.filter(author__any_of=[first.pk]).values_list("external_id", flat=True)) == ["a"]
    assert not Account.objects.filter(external_id__any_of=[]).exists()
    if connection.vendor == "postgresql":
        query = str(Account.objects.filter(external_id__any_of=["x"]).query)
        assert "= ANY(" in query


def test_array_literals_carry_every_kind_of_value_exactly(db):
    awkward = ['say "hi"', "back\\slash", "{brace}", "a,b", "NULL", " padded ", "", "naïve ✓", "it's"]
    moment = timezone.now()
    cases = [
        ("text", awkward),
        ("bigint", [3, -1, 0, 2**40]),
        ("double precision", [0.1, 1e-05, 1.0]),
        ("boolean", [True, False, None]),
        ("timestamptz", [moment, None]),
        ("uuid", [uuid.UUID(int=7)]),
        ("timestamptz", [moment, moment, moment]),
        ("text", ["same", "same"]),
        ("bigint", [None, None]),
    ]
    with connection.cursor() as cursor:
        for sql_type, values in cases:
            cursor.execute(f"SELECT unnest(%s::{sql_type}[])", [array_literal(values)])
            assert [row[0] for row in cursor.fetchall()] == values, sql_type
    assert array_literal([]) == "{}"

    class Severity(models.IntegerChoices):
        HIGH = 5, "High"

    assert array_literal([Severity.HIGH, 1]) == "{5,1}"
    assert array_literal([Severity.HIGH, Severity.HIGH]) == "{5,5}"

    class Shade(models.TextChoices):
        DARK = 'da"rk', "Dark"
        LIGHT = "light", "Light"

    assert array_literal([Shade.DARK, Shade.LIGHT, "x"]) == '{"da\\"rk","light","x"}'
    assert array_literal([Shade.LIGHT, Shade.LIGHT]) == '{"light","light"}'


def test_an_array_literal_refuses_binary_values():
    with pytest.raises(TypeError, match="binary"):
        array_literal([b"\x00"])
