"""Database helpers that have a fast PostgreSQL path and a plain fallback."""

from django.db import connection


def update_rows(model, objects, field_names):
    """Write `field_names` of each object in one statement.

    Django's bulk_update builds a CASE WHEN per row and field, which dominated intake time; on
    PostgreSQL `UPDATE ... FROM (VALUES ...)` does the same work in one cheap statement.
    """
    objects = list(objects)
    if not objects:
        return 0
    if connection.vendor != "postgresql":
        return model.objects.bulk_update(objects, field_names)
    fields = [model._meta.get_field(name) for name in field_names]
    pk = model._meta.pk
    columns = [pk, *fields]
    row = "(" + ", ".join(f"%s::{column.db_type(connection)}" for column in columns) + ")"
    params = []
    for obj in objects:
        params.append(pk.get_db_prep_value(obj.pk, connection))
        for field in fields:
            params.append(field.get_db_prep_save(getattr(obj, field.attname), connection))
    table = connection.ops.quote_name(model._meta.db_table)
    names = [connection.ops.quote_name(column.column) for column in columns]
    assignments = ", ".join(f"{name} = v.{name}" for name in names[1:])
    # Only quoted identifiers from model metadata are interpolated; every value is a parameter.
    values = ", ".join([row] * len(objects))
    sql = f"UPDATE {table} AS t SET {assignments} FROM (VALUES {values}) AS v({', '.join(names)}) WHERE t.{names[0]} = v.{names[0]}"  # noqa: S608, E501
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def first_unlocked(queryset):
    """The queryset's first row, locked for this transaction. On PostgreSQL rows that another
    transaction holds are skipped (SKIP LOCKED), so people taking "the next one" at once each get
    a different row; elsewhere it is a plain first(), and the caller's compare-and-set update
    decides who wins."""
    if connection.vendor == "postgresql":
        return queryset.select_for_update(skip_locked=True, of=("self",)).first()
    return queryset.first()


def on_postgresql(sql):
    """A RunPython callable that executes `sql` on PostgreSQL and nothing on SQLite, for
    PostgreSQL-only DDL (triggers, generated columns) in migrations that must also apply on SQLite."""

    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return run
