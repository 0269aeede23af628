"""schemathesis against the API's own OpenAPI schema, in-process (WSGI) on the test database,
signed in as a customer and as staff, with every check and the exceptions of
scripts/schemathesis.toml. A few cases per operation, so it runs in the suite; the full run
over HTTP, many more cases, is `scripts/api_fuzz.py`."""

from __future__ import annotations

from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from rest_framework_simplejwt.tokens import RefreshToken

from tests.accounts.factories import UserFactory

CONFIG = Path(__file__).resolve().parents[2] / "scripts" / "schemathesis.toml"
CASES_PER_OPERATION = 2


def _schema():
    from shop.wsgi import application

    config = schemathesis.Config.from_path(str(CONFIG))
    return schemathesis.openapi.from_wsgi("/api/schema/?format=json", application, config=config)


# Loaded at collection (pytest-django has set Django up by then); serving it reads no table.
schema = _schema()


@pytest.fixture
def in_process(db):
    """WSGI calls end with request_finished, whose close_old_connections would close the
    test's connection (it is inside the test transaction); Django's test client unhooks it
    the same way."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def bearer_of(user) -> dict[str, str]:
    return {"Authorization": f"Bearer {RefreshToken.for_user(user).access_token}"}


FEW_CASES = settings(
    max_examples=CASES_PER_OPERATION,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)


@pytest.fixture
def customer(in_process) -> dict[str, str]:
    return bearer_of(UserFactory())


@pytest.fixture
def staff(in_process) -> dict[str, str]:
    return bearer_of(UserFactory(is_staff=True))


@schema.parametrize()
@FEW_CASES
def test_every_operation_answers_as_its_schema_says_to_a_customer(case, customer):
    case.call_and_validate(headers=customer)


@schema.parametrize()
@FEW_CASES
def test_every_operation_answers_as_its_schema_says_to_staff(case, staff):
    case.call_and_validate(headers=staff)
