"""Shared set-up for the benchmarks: a dedicated PostgreSQL database, migrated and loaded."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN_URL = os.environ.get("BENCH_PG_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres")
BENCH_DB = os.environ.get("BENCH_DB", "trustconsole_bench")


def database_url(name):
    return PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"


BENCH_URL = database_url(BENCH_DB)
ENV = {
    **os.environ,
    "DATABASE_URL": BENCH_URL,
    "SECRET_KEY": "bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz-0123456789",
    "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
    "SECURE_SSL_REDIRECT": "false",
    "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14"),
    "DJANGO_SETTINGS_MODULE": "trustconsole.settings",
}


def recreate_database(name=BENCH_DB):
    """An empty database `name`, migrated and loaded with the catalogue."""
    import psycopg

    if "django" in sys.modules and os.environ.get("DJANGO_SETTINGS_MODULE"):
        from django.db import connections

        connections.close_all()  # a previous size's connection would be cut by DROP ... FORCE

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    env = {**ENV, "DATABASE_URL": database_url(name)}
    manage("migrate", "--no-input", "-v", "0", env=env)
    manage("load_catalogue", env=env)


def manage(*args, env=None):
    subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env or ENV, check=True, stdout=subprocess.DEVNULL
    )


# One open connection per database, swapped in and out, so that taking turns between databases
# does not pay a new connection (and its cold catalogue caches) at every turn.
_CONNECTIONS = {}


def use_database(name):
    """Point this process's default connection at database `name` (after setup_django)."""
    from django.db import connections

    if name not in _CONNECTIONS:
        current = connections["default"]
        _CONNECTIONS[name] = type(current)({**current.settings_dict, "NAME": name}, "default")
    connections["default"] = _CONNECTIONS[name]


def drop_database(name):
    import psycopg

    if name in _CONNECTIONS:
        _CONNECTIONS.pop(name).close()
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def setup_django():
    os.environ.update(ENV)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def copy_lines(cursor, table, columns, lines):
    """COPY text-format lines into a table from this client, a chunk at a time."""
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        chunk = []
        for line in lines:
            chunk.append(line)
            if len(chunk) == 20_000:
                copy.write("".join(chunk))
                chunk.clear()
        copy.write("".join(chunk))
