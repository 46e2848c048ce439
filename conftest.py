"""Fixtures shared by every app's tests: the named roles, and settings that only tests change."""

import pytest
from django.test import Client, override_settings

from trustconsole import services
from trustconsole.actors import SystemActor
from trustconsole.roles import ADMIN, ANALYST, AUDITOR, LEAD

TEST_PASSWORD = "correct-horse-battery-staple"
ROLE_FIXTURES = ("analyst", "lead", "admin", "auditor", "outsider")


@pytest.fixture(autouse=True, scope="session")
def test_only_settings():
    # Plain static storage (no collectstatic in tests) and no TLS redirect for the test client;
    # everything else stays as production configures it.
    storages = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    with override_settings(
        STORAGES=storages,
        SECURE_SSL_REDIRECT=False,
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        # Tests run inside a transaction the replica connection cannot see; the replica's own
        # test (dashboards/tests/test_replica.py) turns it on with committed rows.
        REPLICA_READS_DATABASE="default",
    ):
        yield


@pytest.fixture(autouse=True)
def empty_cache():
    """Rate-limit counters live in the cache (Redis db 15 in tests); ids restart with each test
    database, so counters left by an earlier run must not count against this one."""
    from django.core.cache import cache

    cache.clear()


def make_staff(username, roles):
    return services.create_staff_user(
        actor=SystemActor("test-setup"), username=username, password=TEST_PASSWORD, roles=roles
    )


@pytest.fixture
def analyst(db):
    return make_staff("ana", [ANALYST])


@pytest.fixture
def lead(db):
    return make_staff("lee", [LEAD])


@pytest.fixture
def admin(db):
    return make_staff("adm", [ADMIN])


@pytest.fixture
def auditor(db):
    return make_staff("aud", [AUDITOR])


@pytest.fixture
def outsider(db):
    """Signed in, but holding no role."""
    return make_staff("out", [])


def run_queued_jobs(queue_name):
    """What a worker does: run every job waiting in the queue, in this process (so inside this
    test's transaction)."""
    import django_rq
    from rq import SimpleWorker

    queue = django_rq.get_queue(queue_name)
    return SimpleWorker([queue], connection=queue.connection).work(burst=True)


def client_for(user):
    client = Client()
    client.force_login(user)
    return client
