"""RabbitMQ for tests that need it: a real worker on a queue of the test's own, and an
unreachable broker (a closed port) for outage tests.

    from tests.support.broker import broker_unreachable, real_broker_queue, running_worker

`real_broker_queue` is a fixture: import it into the test module that uses it.
"""

from __future__ import annotations

import contextlib
import os
import time
import uuid

import pytest
from celery.contrib.testing.worker import start_worker
from celery.worker import state as worker_state

from shop.celery import app as celery_app

CLOSED_PORT_BROKER = "amqp://guest:guest@127.0.0.1:1//"


@pytest.fixture
def real_broker_queue():
    """Run outbox tasks through RabbitMQ (not eagerly) on a queue of this test's own."""
    queue = f"test-events-{uuid.uuid4().hex[:8]}"
    conf = celery_app.conf
    saved = (conf.task_always_eager, conf.broker_url, conf.task_routes)
    conf.task_always_eager = False
    conf.task_routes = {"shop.events.tasks.*": {"queue": queue}}
    _reset_routes()
    yield queue
    conf.task_always_eager, conf.broker_url, conf.task_routes = saved
    _reset_routes()
    reset_broker_pool()
    with celery_app.connection_for_write() as conn:
        conn.default_channel.queue_delete(queue)


@contextlib.contextmanager
def running_worker(queue: str):
    """A real Celery worker in a thread, consuming `queue` on RabbitMQ."""
    with start_worker(celery_app, queues=[queue], perform_ping_check=False) as worker:
        yield worker
        # The worker's event loop sleeps until a message arrives: ask it to stop, then wake it.
        worker_state.should_terminate = 0
        celery_app.send_task("shop.wake-up", queue=queue)


@contextlib.contextmanager
def broker_unreachable():
    """Point publishing at a closed port until the block ends, then back at the real broker.

    Celery reads CELERY_BROKER_URL from the environment before its own setting, so both
    are switched (a shell that exports the variable would otherwise keep the real broker).
    """
    conf = celery_app.conf
    saved_url, saved_env = conf.broker_url, os.environ.get("CELERY_BROKER_URL")
    os.environ["CELERY_BROKER_URL"] = CLOSED_PORT_BROKER
    conf.broker_url = CLOSED_PORT_BROKER
    reset_broker_pool()
    try:
        yield
    finally:
        if saved_env is None:
            os.environ.pop("CELERY_BROKER_URL", None)
        else:
            os.environ["CELERY_BROKER_URL"] = saved_env
        conf.broker_url = saved_url
        reset_broker_pool()


def reset_broker_pool() -> None:
    # Publishing takes pooled connections for the configured URL; start from a fresh pool.
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


def _reset_routes() -> None:
    celery_app.amqp.flush_routes()
    celery_app.amqp.__dict__.pop("router", None)


def wait_until(predicate, timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return predicate()
