import pytest

from cases.services.api_clients import create_api_client
from trustconsole.actors import SystemActor

ROBOT = SystemActor("test-setup")


@pytest.fixture
def market_token(db):
    _, token = create_api_client(actor=ROBOT, name="marketplace", scopes=["marketplace"])
    return token
