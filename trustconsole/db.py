"""Database helpers that have a fast PostgreSQL path and a plain fallback.

Bulk statements on PostgreSQL pass one array per column (`unnest`) or per lookup (`= ANY`)
instead of one placeholder per value: binding thousands of placeholders cost intake more than
PostgreSQL took to store the rows. Each array travels as one array literal (`array_literal`).
"""

import json
from datetime import date, datetime

from django.db import IntegrityError, connection, transaction
from django.db.models import Field, ForeignObject, JSONField, Lookup


def _quoted(text):
    # Inside double quotes only a backslash and a double quote are special.
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _array_element(value):
    if value is None:
        return "NULL"
    if value is True or value is False:
        return "t" if value else "f"
    if isinstance(value, int):
        return str(int(value))  # int() first: an IntegerChoices member's str is its label
    if isinstance(value, float):
        return repr(float(value))
    if isinstance(value, bytes | bytearray | memoryview):
        raise TypeError("binary values have no array literal here")
    return _quoted(value.isoformat() if isinstance(value, date | datetime) else str(value))


def array_literal(values):
    """A PostgreSQL array literal (`{1,2}`, `{"a","b"}`) of ints, floats, bools, text, times,
    dates, UUIDs and decimals, passed as one text parameter and cast in the statement. The
    driver adapts a Python list element by element, which cost intake more than the insert did."""
    if values and all(value is values[0] for value in values):
        # One value repeated (a batch's time, its id, a choice, NULL): written once.
        return "{" + ",".join([_array_element(values[0])] * len(values)) + "}"
    kinds = set(map(type, values))
    if kinds <= {int}:
        return "{" + ",".join(map(str, values)) + "}"
    if kinds <= {float}:
        return "{" + ",".join(map(repr, values)) + "}"
    if all(issubclass(kind, str) for kind in kinds):
        # Text choices too: _quoted reads a member's own text, which is its value.
        return "{" + ",".join(map(_quoted, values)) + "}"
    return "{" + ",".join(map(_array_element, values)) + "}"


@Field.register_lookup
class AnyOf(Lookup):
    """`field__any_of=values`: `= ANY(%s)` with the values as one array on PostgreSQL, a plain
    IN list elsewhere."""

    lookup_name = "any_of"
    # The values are prepared one by one in as_sql, not as one value of the field.
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        values = [self.lhs.output_field.get_db_prep_value(v, connection) for v in self.rhs]
        if connection.vendor == "postgresql":
            cast = f"{self.lhs.output_field.db_type(connection)}[]"
            return f"{lhs} = ANY(%s::{cast})", [*lhs_params, array_literal(values)]
        if not values:
            return "1 = 0", []
        return f"{lhs} IN ({', '.join(['%s'] * len(values))})", [*lhs_params, *values]


# Foreign keys keep their own list of lookups; ids go through the same array.
ForeignObject.register_lookup(AnyOf)


# Values of these types reach the driver as they are; preparing each through its field cost intake
# more than the rest of building its rows. Anything else (decimals, naive times, ...) is prepared.
_PLAIN_TYPES = frozenset(
    {
        "AutoField",
        "BigAutoField",
        "BigIntegerField",
        "BooleanField",
        "CharField",
        "DateTimeField",
        "FloatField",
        "ForeignKey",
        "IntegerField",
        "OneToOneField",
        "PositiveIntegerField",
        "PositiveSmallIntegerField",
        "SlugField",
        "SmallIntegerField",
        "TextField",
        "UUIDField",
    }
)


def _column(field, values):
    if isinstance(field, JSONField):
        # None stays SQL NULL, as Django stores it, not the JSON null.
        return [None if v is None else json.dumps(v, cls=field.encoder) for v in values]
    kind = field.get_internal_type()
    naive = kind == "DateTimeField" and any(v is not None and v.tzinfo is None for v in values)
    if connection.vendor == "postgresql" and kind in _PLAIN_TYPES and not naive:
        return values
    return [field.get_db_prep_save(v, connection) for v in values]


def _unnest(fields, rows):
    """`SELECT c0, c1, ... FROM unnest(...)` over `rows` (tuples in `fields` order), and its
    parameters: one array per field. JSON travels as text and is cast back in the select."""
    params, sources, selected = [], [], []
    for position, field in enumerate(fields):
        params.append(array_literal(_column(field, [row[position] for row in rows])))
        if isinstance(field, JSONField):
            sources.append("%s::text[]")
            selected.append(f"u.c{position}::jsonb AS c{position}")
        else:
            sources.append(f"%s::{field.db_type(connection)}[]")
            selected.append(f"u.c{position}")
    names = ", ".join(f"c{n}" for n in range(len(fields)))
    # In array order, so rows are inserted (and numbered) in the order the caller sorted them.
    source = f"unnest({', '.join(sources)}) WITH ORDINALITY AS u({names}, ordinal)"
    # Only identifiers and type names from model metadata are interpolated; values are parameters.
    return f"SELECT {', '.join(selected)} FROM {source} ORDER BY u.ordinal", params  # noqa: S608


def insert_rows(model, field_names, rows, *, skip_conflicts=False, returning=()):
    """Insert `rows` (tuples in `field_names` order); return the `returning` columns of the rows
    inserted, as tuples. With skip_conflicts a row that breaks a unique constraint is skipped
    (ON CONFLICT DO NOTHING) and not returned. Model defaults are not applied: name every column.
    """
    rows = list(rows)
    if not rows:
        return []
    fields = [model._meta.get_field(name) for name in field_names]
    quote = connection.ops.quote_name
    into = f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(f.column) for f in fields)})"
    tail = " ON CONFLICT DO NOTHING" if skip_conflicts else ""
    if returning:
        tail += " RETURNING " + ", ".join(quote(model._meta.get_field(name).column) for name in returning)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            select, params = _unnest(fields, rows)
            cursor.execute(f"{into} {select}{tail}", params)
            return [tuple(row) for row in cursor.fetchall()] if returning else []
        inserted = []
        size = max(1, connection.ops.bulk_batch_size(fields, rows))
        placeholders = "(" + ", ".join(["%s"] * len(fields)) + ")"
        for start in range(0, len(rows), size):
            chunk = rows[start : start + size]
            params = [field.get_db_prep_save(row[n], connection) for row in chunk for n, field in enumerate(fields)]
            cursor.execute(f"{into} VALUES {', '.join([placeholders] * len(chunk))}{tail}", params)
            if returning:
                inserted.extend(tuple(row) for row in cursor.fetchall())
        return inserted


def row_defaults(model, now):
    """{attname: value} of every column but the key, at the model's default, with auto_now and
    auto_now_add times at `now`: what Model.save would insert, as insert_rows applies nothing."""
    values = {}
    for field in model._meta.concrete_fields:
        if not field.primary_key:
            stamped = getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)
            values[field.attname] = now if stamped else field.get_default()
    return values


def insert_new_rows(model, rows, *, now, returning):
    """Insert `rows` (dicts by attname of the columns they set), every other column at what
    Model.save would put there (row_defaults), skipping rows that break a unique constraint;
    return the `returning` columns of the rows inserted, as tuples."""
    defaults = row_defaults(model, now)
    columns = list(defaults)
    values = [tuple(row.get(name, default) for name, default in defaults.items()) for row in rows]
    return insert_rows(model, columns, values, skip_conflicts=True, returning=returning)


def copy_rows(model, field_names, rows):
    """Insert `rows` (tuples in `field_names` order) with COPY on PostgreSQL, the fastest way in,
    or insert_rows elsewhere. Returns False, having stored nothing, if a row breaks a unique
    constraint (a concurrent writer got there first): the caller then inserts skipping conflicts.
    """
    rows = list(rows)
    if not rows:
        return True
    if connection.vendor != "postgresql":
        try:
            with transaction.atomic():
                insert_rows(model, field_names, rows)
        except IntegrityError:
            return False
        return True
    fields = [model._meta.get_field(name) for name in field_names]
    columns = [_column(field, [row[n] for row in rows]) for n, field in enumerate(fields)]
    quote = connection.ops.quote_name
    sql = f"COPY {quote(model._meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) FROM STDIN"
    try:
        with (
            transaction.atomic(),
            connection.wrap_database_errors,
            connection.cursor() as cursor,
            cursor.cursor.copy(sql) as copy,
        ):
            for row in zip(*columns, strict=True):
                copy.write_row(row)
    except IntegrityError:
        return False
    return True


def rows_by_keys(model, key_fields, keys, columns):
    """`columns` of the rows whose `key_fields` equal one of `keys` (tuples), as tuples. Two
    `= ANY` lists would match every combination of their values; this matches the pairs."""
    keys = list(keys)
    if not keys:
        return []
    quote = connection.ops.quote_name
    fields = [model._meta.get_field(name) for name in key_fields]
    selected = ", ".join(f"t.{quote(model._meta.get_field(name).column)}" for name in columns)
    table = quote(model._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            select, params = _unnest(fields, keys)
            on = " AND ".join(f"t.{quote(field.column)} = k.c{n}" for n, field in enumerate(fields))
            cursor.execute(f"SELECT {selected} FROM {table} AS t JOIN ({select}) AS k ON {on}", params)  # noqa: S608
            return [tuple(row) for row in cursor.fetchall()]
        found = []
        row = "(" + ", ".join(["%s"] * len(fields)) + ")"
        names = ", ".join(f"t.{quote(field.column)}" for field in fields)
        size = max(1, connection.ops.bulk_batch_size(fields, keys))
        for start in range(0, len(keys), size):
            chunk = keys[start : start + size]
            params = [value for key in chunk for value in key]
            cursor.execute(
                f"SELECT {selected} FROM {table} AS t WHERE ({names}) IN (VALUES {', '.join([row] * len(chunk))})",  # noqa: S608
                params,
            )
            found.extend(tuple(r) for r in cursor.fetchall())
        return found


def update_rows(model, objects, field_names):
    """Write `field_names` of each object in one statement.

    Django's bulk_update builds a CASE WHEN per row and field, which dominated intake time; on
    PostgreSQL `UPDATE ... FROM unnest(...)` does the same work in one cheap statement.
    """
    objects = list(objects)
    if not objects:
        return 0
    fields = [model._meta.get_field(name) for name in field_names]
    if connection.vendor != "postgresql":
        # Objects may be plain records with the same attributes (grouping's WaitingSignal).
        instances = [model(pk=o.pk, **{f.attname: getattr(o, f.attname) for f in fields}) for o in objects]
        return model.objects.bulk_update(instances, field_names)
    pk = model._meta.pk
    select, params = _unnest([pk, *fields], [(o.pk, *(getattr(o, f.attname) for f in fields)) for o in objects])
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(field.column)} = v.c{n}" for n, field in enumerate(fields, start=1))
    # Only quoted identifiers from model metadata are interpolated; every value is a parameter.
    table = quote(model._meta.db_table)
    sql = f"UPDATE {table} AS t SET {assignments} FROM ({select}) AS v WHERE t.{quote(pk.column)} = v.c0"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def prefer_index_lookups():
    """For the rest of this transaction, price a random page read as a cached one (1.1, the usual
    figure for SSDs, instead of 4.0, a disk's). Bulk lookups name hundreds of keys in one
    statement (`= ANY`, `unnest` joins); at the default PostgreSQL scanned a table of 40,000
    signals whole rather than make 500 index probes, ten times slower, and more as it grew."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL random_page_cost = 1.1")


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
