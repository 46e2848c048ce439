"""Settings are read once per process, so production mode is tried in a fresh interpreter."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

from trustconsole.env import mailer_from_url

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_ENV = {
    "DATABASE_URL": "postgres://trust:secret@db.internal:5432/trustconsole",
    "REDIS_URL": "redis://redis.internal:6379/0",
    "SECRET_KEY": "x7#Qp" * 12,
    "ALLOWED_HOSTS": "trust.marketplace.example",
    "EMAIL_URL": "smtp://mailer:pw@smtp.internal:587?tls=1",
}


def manage(*args, **env):
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in PRODUCTION_ENV and not k.endswith("_FILE") and k != "DJANGO_ALLOW_ASYNC_UNSAFE"
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_refuses_to_start_without_a_secret_key():
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "SECRET_KEY"}
    result = manage("check", **env)
    assert result.returncode != 0
    assert "SECRET_KEY (or SECRET_KEY_FILE) must be set" in result.stderr


def test_production_refuses_to_start_without_allowed_hosts():
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "ALLOWED_HOSTS"}
    result = manage("check", **env)
    assert result.returncode != 0
    assert "ALLOWED_HOSTS must list" in result.stderr


def test_the_secret_key_may_come_from_a_file(tmp_path):
    key_file = tmp_path / "secret"
    key_file.write_text(PRODUCTION_ENV["SECRET_KEY"])
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "SECRET_KEY"}
    result = manage("check", "--deploy", "--fail-level", "WARNING", SECRET_KEY_FILE=str(key_file), **env)
    assert result.returncode == 0, result.stderr


def test_check_deploy_is_clean_with_production_settings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_the_demo_mode_runs_on_sqlite_with_debug_and_console_mail(tmp_path):
    script = (
        "from django.conf import settings as s; "
        "print(s.DATABASES['default']['ENGINE'], s.DEBUG, "
        "s.MAILERS['default']['BACKEND'], s.RQ_QUEUES['ingest']['ASYNC'])"
    )
    result = manage("shell", "--no-imports", "-c", script, SQLITE_PATH=str(tmp_path / "x.sqlite3"))
    assert result.stdout.split() == [
        "django.db.backends.sqlite3",
        "True",
        "django.core.mail.backends.console.EmailBackend",
        "False",
    ], result.stderr


def test_only_web_processes_pool_database_connections():
    script = (
        "from django.conf import settings as s; "
        "print(s.DATABASES['default'].get('OPTIONS', {}).get('pool') is not None)"
    )
    assert manage("shell", "--no-imports", "-c", script, **PRODUCTION_ENV).stdout.strip() == "False"
    web = manage("shell", "--no-imports", "-c", script, TRUSTCONSOLE_WEB_PROCESS="1", **PRODUCTION_ENV)
    assert web.stdout.strip() == "True", web.stderr


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "smtp://u:p%40ss@mail.example:587?tls=1",
            {"host": "mail.example", "port": 587, "password": "p@ss", "use_tls": True},
        ),
        ("smtps://mail.example", {"port": 465, "use_ssl": True, "use_tls": False}),
    ],
)
def test_email_url_becomes_an_smtp_mailer(url, expected):
    options = mailer_from_url(url)["OPTIONS"]
    assert {key: options[key] for key in expected} == expected


def test_an_unknown_email_scheme_is_refused():
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured, match="EMAIL_URL"):
        mailer_from_url("http://mail.example")


def test_healthz_reports_database_and_redis_without_a_login(client, db):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "up", "redis": "up"}}


def test_healthz_answers_503_when_redis_is_configured_but_down(client, db, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "up", "redis": "down"}
    assert "127.0.0.1:1" not in response.content.decode()


def test_healthz_without_redis_configured_says_so(client, db, settings):
    settings.REDIS_URL = ""
    assert client.get(reverse("healthz")).json()["checks"]["redis"] == "not configured"


def test_models_and_migrations_agree():
    result = manage("makemigrations", "--check", "--dry-run", **PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_migration_applies_on_sqlite_too(tmp_path):
    database = tmp_path / "fresh.sqlite3"
    result = manage("migrate", "--no-input", SQLITE_PATH=str(database))
    assert result.returncode == 0, result.stdout + result.stderr
    result = manage("verify_audit", SQLITE_PATH=str(database))
    assert result.returncode == 0 and "Audit chain valid" in result.stdout
