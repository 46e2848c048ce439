"""Dashboard reads go to the read replica when one is configured; everything else stays on the
primary. CI configures the `replica` alias (DATABASE_REPLICA_URL) as a test mirror of the test
database, so committed rows are visible through both connections."""

from datetime import timedelta

import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cases.models import Case
from dashboards.selectors import operations
from trustconsole.replica import ReplicaRouter, reading_from_replica, replica_alias


def test_the_router_sends_reads_to_the_replica_only_inside_replica_selectors(settings):
    settings.REPLICA_READS_DATABASE = "replica"
    settings.DATABASES = {**settings.DATABASES, "replica": settings.DATABASES["default"]}
    router = ReplicaRouter()
    assert router.db_for_read(Case) is None
    with reading_from_replica() as alias:
        assert (alias, router.db_for_read(Case), router.db_for_write(Case)) == ("replica", "replica", None)
    assert router.db_for_read(Case) is None
    assert (router.allow_migrate("default", "cases"), router.allow_migrate("replica", "cases")) == (True, False)


def test_without_a_replica_configured_reads_stay_on_the_primary(settings):
    settings.REPLICA_READS_DATABASE = "replica-that-is-not-configured"
    with reading_from_replica() as alias:
        assert alias == replica_alias() == "default"


@pytest.mark.django_db(transaction=True, databases=["default", "replica"])
def test_dashboard_selectors_read_through_the_replica_connection(settings, catalogue):
    assert "replica" in settings.DATABASES, "CI sets DATABASE_REPLICA_URL so the replica path is tested"
    settings.REPLICA_READS_DATABASE = "replica"
    from dashboards.tests.conftest import History

    now = timezone.now()
    History().case(opened=now - timedelta(hours=1), due_at=now - timedelta(minutes=5))
    with (
        CaptureQueriesContext(connections["replica"]) as on_replica,
        CaptureQueriesContext(connections["default"]) as on_primary,
    ):
        rows = operations.backlog(now)
        alerts = operations.sla_alerts(now)
    assert sum(row["open"] for row in rows) == 1 and len(alerts) == 1
    assert len(on_replica) >= 3 and len(on_primary) == 0
