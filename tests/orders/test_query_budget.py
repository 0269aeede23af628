"""The query budget of a checkout: every SQL query the request runs, its on-commit work
included, as in production (real commits, outbox relays publishing to a broker). Transaction
control (BEGIN, COMMIT, savepoints) is counted apart and pinned too."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.cart.services import CartOwner, cart_coupon_apply
from apps.inventory.services import reservation_create
from apps.orders.models import Order
from shop.celery import app as celery_app
from shop.models import IdempotencyRecord
from tests.conftest import bearer_client
from tests.orders.conftest import CHECKOUT, body
from tests.promotions.factories import make_coupon, make_promotion

pytestmark = pytest.mark.django_db(transaction=True)

BUDGET = 25
# Not queries: the transactions' own BEGIN / COMMIT and the savepoints of nested blocks.
TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE SAVEPOINT")


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


@pytest.mark.parametrize(
    ("automatic", "discount"),
    [(False, "12.00"), (True, "18.00")],
    ids=["coupon", "coupon and an automatic promotion"],
)
def test_a_five_line_checkout_with_a_coupon_runs_at_most_25_queries(
    user, make_variant, fill_cart, broker_queue, automatic, discount
):
    """Also when an automatic promotion applies beside the coupon (the demo catalog's case):
    the uses of all applied promotions are counted by one UPDATE."""
    make_coupon("BUDGET", value=Decimal("10"), stackable=automatic)
    if automatic:
        make_promotion(name="Everything 5%", value=Decimal("5"), stackable=True)
    fill_cart(user, *[(make_variant(price="12.00", stock=20), 2) for _ in range(5)])
    cart_coupon_apply(owner=CartOwner.for_user(user.id), code="budget")
    client = bearer_client(user)

    with CaptureQueriesContext(connection) as queries:
        response = client.post(CHECKOUT, body(), format="json", HTTP_IDEMPOTENCY_KEY="budget-1")

    assert response.status_code == 201, response.content
    assert len(response.json()["order"]["items"]) == 5
    assert response.json()["order"]["discount"] == discount
    statements = [q["sql"] for q in queries.captured_queries]
    data = [sql for sql in statements if not sql.startswith(TRANSACTION_CONTROL)]
    listing = "\n".join(f"{i:2} {sql[:150]}" for i, sql in enumerate(statements, 1))
    print(f"\n{len(data)} queries ({len(statements)} statements with transaction control):")
    print(listing)
    assert len(data) <= BUDGET, listing
    # However many promotions apply, their uses are counted by one statement.
    assert sum(sql.startswith('UPDATE "promotions_promotion"') for sql in data) == 1, listing
    # Two transactions (place; record the payment with the confirmation) and three
    # savepoints (inventory's, promotions' and payments' own atomic blocks inside them); the
    # idempotency claim and the stored answer are single statements in autocommit mode.
    assert len(statements) - len(data) <= 10, listing


def test_a_sold_out_cart_is_refused_without_a_transaction_or_a_stock_lock(
    user, make_variant, fill_cart
):
    """The flash sale's late buyers: the committed stock already says no, so the answer comes
    from one unlocked read, without queueing on the stock rows' locks (the exact, locked
    check inside the placing transaction is for carts the read says can be served)."""
    variant = make_variant(price="12.00", stock=2)
    fill_cart(user, (variant, 2))
    reservation_create(order_id=uuid.uuid4(), lines=[(variant.id, 1)])  # someone else's hold
    client = bearer_client(user)

    with CaptureQueriesContext(connection) as queries:
        response = client.post(CHECKOUT, body(), format="json", HTTP_IDEMPOTENCY_KEY="sold-1")

    assert response.status_code == 409, response.content
    assert response.json()["error"]["code"] == "insufficient_stock"
    assert response.json()["error"]["details"] == {
        "items": [{"variant_id": str(variant.id), "requested": 2, "available": 1}]
    }
    statements = [q["sql"] for q in queries.captured_queries]
    listing = "\n".join(f"{i:2} {sql[:150]}" for i, sql in enumerate(statements, 1))
    assert not [sql for sql in statements if sql.startswith(TRANSACTION_CONTROL)], listing
    assert not [sql for sql in statements if "FOR UPDATE" in sql], listing
    assert not Order.objects.exists()
    assert not IdempotencyRecord.objects.exists()  # the claim was released: a retry may run
