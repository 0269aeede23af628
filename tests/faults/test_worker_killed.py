"""A Celery worker's process is SIGKILLed in the middle of a task (the OOM killer, a node
lost): the message was not acknowledged (acks_late, reject on worker lost), so the broker
delivers it again, the task runs once more, and its effect happens exactly once.

A real `celery -A shop worker` (prefork, one child, as deployed) on the test's own queue sends
an order's confirmation email. The task is held mid-way: a second connection locks the
order's email mark, which the task locks (`SELECT … FOR UPDATE`) before it sends. The pool
child running the task is killed while it waits; the lock is released; the task runs again
and the email goes out once (a file-based mail backend shows what was really sent). A further
duplicate delivery of the same task (what a lost acknowledgement would cause) sends nothing.
"""

from __future__ import annotations

import os
import re
import signal
import uuid

import psycopg
import pytest
from django.db import connections
from kombu import Connection

from apps.orders.models import OrderEmail
from shop.celery import app as celery_app
from tests.accounts.factories import UserFactory
from tests.support.processes import children, process_env, start_worker, stop, wait_until

pytestmark = [
    pytest.mark.faults,
    pytest.mark.django_db(transaction=True),
    pytest.mark.filterwarnings("ignore::celery.exceptions.AlwaysEagerIgnored"),  # send_task
]

TASK = "apps.orders.tasks.order_email_send_task"


def _connect() -> psycopg.Connection:
    db = connections["default"].settings_dict
    return psycopg.connect(
        dbname=db["NAME"], user=db["USER"], host=db["HOST"] or "127.0.0.1", port=db["PORT"] or 5432
    )


def _lock_waiters(watcher: psycopg.Connection) -> int:
    return watcher.execute(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
        "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
    ).fetchone()[0]


def _sent(mail_dir) -> list[str]:
    """The subjects of every message the worker's mail backend wrote."""
    subjects = []
    for path in sorted(mail_dir.iterdir()):
        subjects.extend(re.findall(r"^Subject: (.*)$", path.read_text(), flags=re.M))
    return subjects


def test_a_worker_killed_mid_task_runs_it_again_once_and_the_email_goes_out_once(
    place, tmp_path, settings
):
    _variant, placed = place(UserFactory(email="kill@example.com"))
    order_id, number = str(placed.order.id), placed.order.order_number
    mark = OrderEmail.objects.create(order_id=order_id, kind=OrderEmail.Kind.CONFIRMATION)
    mail_dir, log = tmp_path / "mail", tmp_path / "worker.log"
    mail_dir.mkdir()
    queue = f"faults-worker-{uuid.uuid4().hex[:8]}"
    env = process_env(
        EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
        EMAIL_FILE_PATH=str(mail_dir),
        CELERY_TASK_ALWAYS_EAGER="0",
    )
    locker, watcher = _connect(), _connect()
    watcher.autocommit = True
    worker = start_worker(env=env, queues=[queue], name=queue, logfile=log)
    try:
        locker.execute(
            f"SELECT id FROM {OrderEmail._meta.db_table} WHERE id = %s FOR UPDATE", [mark.id]
        )
        first = celery_app.send_task(TASK, args=[order_id, "confirmation"], queue=queue)
        assert wait_until(lambda: _lock_waiters(watcher) == 1, timeout=60), (
            log.read_text() if log.exists() else "no worker log"
        )
        (child,) = children(worker.pid)  # --concurrency 1: the child running the task
        os.kill(child, signal.SIGKILL)
        assert wait_until(lambda: "signal 9" in log.read_text(), timeout=30), log.read_text()
        locker.rollback()  # the task may now proceed, in its second run

        def received(task_id: str) -> int:
            return log.read_text().count(f"{TASK}[{task_id}] received")

        def succeeded(task_id: str) -> int:
            return log.read_text().count(f"{TASK}[{task_id}] succeeded")

        assert wait_until(lambda: succeeded(first.id) == 1, timeout=60), log.read_text()
        mark.refresh_from_db()
        assert mark.sent_at is not None
        subjects = _sent(mail_dir)
        assert len(subjects) == 1 and number in subjects[0], subjects
        # Delivered twice (the killed run and the re-run), succeeded once.
        assert received(first.id) == 2, log.read_text()
        assert "WorkerLostError" in log.read_text()

        # The same task delivered once more (as a lost acknowledgement would): no new email.
        again = celery_app.send_task(TASK, args=[order_id, "confirmation"], queue=queue)
        assert wait_until(lambda: succeeded(again.id) == 1, timeout=60), log.read_text()
        assert f"{TASK}[{again.id}] succeeded" in log.read_text()
        assert len(_sent(mail_dir)) == 1, _sent(mail_dir)
        assert OrderEmail.objects.filter(order_id=order_id).count() == 1
    finally:
        locker.close()
        watcher.close()
        stop(worker)
        with Connection(settings.CELERY_BROKER_URL) as conn:
            conn.SimpleQueue(queue).queue.delete()
