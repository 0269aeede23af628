"""The query budget of a checkout: every SQL statement the request runs, its on-commit work
included, as in production (real commits, outbox relays publishing to a broker)."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.cart.services import CartOwner, cart_coupon_apply
from shop.celery import app as celery_app
from tests.conftest import bearer_client
from tests.orders.conftest import CHECKOUT, body
from tests.promotions.factories import make_coupon

pytestmark = pytest.mark.django_db(transaction=True)

BUDGET = 25


@pytest.fixture
def broker_queue():
    """Relays publish to RabbitMQ (not eagerly, which would run every handler inside the
    request) on a queue of this test's own, deleted afterwards."""
    queue = f"test-budget-{uuid.uuid4().hex[:8]}"
    conf = celery_app.conf
    saved = (conf.task_always_eager, conf.task_routes)
    conf.task_always_eager = False
    conf.task_routes = {"shop.events.tasks.*": {"queue": queue}}
    celery_app.amqp.flush_routes()
    celery_app.amqp.__dict__.pop("router", None)
    yield queue
    conf.task_always_eager, conf.task_routes = saved
    celery_app.amqp.flush_routes()
    celery_app.amqp.__dict__.pop("router", None)
    with celery_app.connection_for_write() as conn:
        conn.default_channel.queue_delete(queue)


def test_a_five_line_checkout_with_a_coupon_runs_at_most_25_queries(
    user, make_variant, fill_cart, broker_queue
):
    make_coupon("BUDGET", value=Decimal("10"))
    fill_cart(user, *[(make_variant(price="12.00", stock=20), 2) for _ in range(5)])
    cart_coupon_apply(owner=CartOwner.for_user(user.id), code="budget")
    client = bearer_client(user)

    with CaptureQueriesContext(connection) as queries:
        response = client.post(CHECKOUT, body(), format="json", HTTP_IDEMPOTENCY_KEY="budget-1")

    assert response.status_code == 201, response.content
    assert len(response.json()["order"]["items"]) == 5
    assert response.json()["order"]["discount"] == "12.00"
    statements = "\n".join(
        f"{i:2} {q['sql'][:160]}" for i, q in enumerate(queries.captured_queries, 1)
    )
    print(f"\n{len(queries)} queries:\n{statements}")
    assert len(queries) <= BUDGET, statements
