"""/metrics: the business counters, the gauges read at scrape time (and their safety when a
source is down), the dashboard's and the alerts' queries against what the app really exports,
and the counters of several processes summed (gunicorn workers, a Celery worker's pool)."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import timedelta
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.db import connections
from django.utils import timezone
from kombu import Connection, Queue
from prometheus_client.parser import text_string_to_metric_families

from apps.inventory.models import Reservation
from shop import metrics
from shop.celery import app as celery_app
from shop.events.models import OutboxEvent
from shop.events.tasks import events_sweep_task
from tests.inventory.factories import WarehouseFactory
from tests.ops.aliases import databases
from tests.ops.pg_pair import free_port

ROOT = Path(settings.BASE_DIR)
DASHBOARD = ROOT / "deploy" / "grafana" / "shop.json"
ALERTS = ROOT / "deploy" / "prometheus" / "alerts.yml"


@pytest.fixture(autouse=True)
def _fresh_readings():
    metrics.reset_scrape_cache()
    yield
    metrics.reset_scrape_cache()


def samples(text: str) -> dict[tuple[str, tuple], float]:
    """{(sample name, sorted labels): value} of a Prometheus text exposition."""
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def scrape(client) -> str:
    response = client.get("/metrics")
    assert response.status_code == 200
    return response.content.decode()


def value(text: str, name: str, **labels) -> float | None:
    return samples(text).get((name, tuple(sorted(labels.items()))))


def test_business_counters_are_exported_at_zero_from_the_start(client):
    text = scrape(client)
    for outcome in metrics.CHECKOUT_OUTCOMES:
        assert value(text, "shop_checkouts_total", outcome=outcome) is not None
    assert value(text, "shop_oversell_refusals_total") is not None
    assert value(text, "shop_reservations_expired_total") is not None
    assert "# TYPE shop_payment_webhook_events_total counter" in text

    metrics.CHECKOUTS.labels(outcome="invalid_coupon").inc()
    before = value(text, "shop_checkouts_total", outcome="invalid_coupon")
    assert value(scrape(client), "shop_checkouts_total", outcome="invalid_coupon") == before + 1


@pytest.mark.django_db
def test_outbox_gauges_count_pending_and_dead_events_and_the_lag(client):
    old = timezone.now() - timedelta(minutes=7)
    pending = [OutboxEvent.objects.create(name="test.pending") for _ in range(3)]
    OutboxEvent.objects.filter(id=pending[0].id).update(created_at=old)
    OutboxEvent.objects.create(name="test.dead", status=OutboxEvent.Status.DEAD)
    OutboxEvent.objects.create(name="test.done", status=OutboxEvent.Status.DONE)

    text = scrape(client)
    assert value(text, "shop_outbox_events", status="pending") == 3
    assert value(text, "shop_outbox_events", status="dead") == 1
    lag = value(text, "shop_outbox_oldest_pending_age_seconds")
    assert 7 * 60 <= lag < 8 * 60
    assert value(text, "shop_metrics_source_up", source="shop_outbox_events") == 1


@pytest.mark.django_db
def test_reservation_gauges_count_held_and_overdue_reservations(client):
    warehouse = WarehouseFactory()
    now = timezone.now()

    def reserve(status, expires_at):
        Reservation.objects.create(
            order_id="00000000-0000-0000-0000-000000000001",
            variant_id="00000000-0000-0000-0000-000000000002",
            warehouse=warehouse, quantity=1, status=status, expires_at=expires_at,
        )  # fmt: skip

    reserve(Reservation.Status.PENDING, now + timedelta(minutes=5))
    reserve(Reservation.Status.PENDING, now - timedelta(minutes=1))  # the sweep is behind
    reserve(Reservation.Status.CONFIRMED, now - timedelta(minutes=1))
    reserve(Reservation.Status.RELEASED, now - timedelta(minutes=1))

    text = scrape(client)
    assert value(text, "shop_reservations_held") == 2
    assert value(text, "shop_reservations_overdue") == 1


def test_queue_depth_is_read_from_the_broker(client):
    name = f"ops-metrics-{os.getpid()}"
    queues = list(celery_app.conf.task_queues)
    celery_app.conf.task_queues = [*queues, Queue(name)]
    with Connection(settings.CELERY_BROKER_URL) as conn:
        queue = conn.SimpleQueue(name)
        try:
            for n in range(3):
                queue.put({"n": n})
            text = scrape(client)
        finally:
            celery_app.conf.task_queues = queues
            queue.queue.delete()
            queue.close()
    assert value(text, "shop_celery_queue_messages", queue=name) == 3
    assert value(text, "shop_metrics_source_up", source="shop_celery_queue_messages") == 1


def test_a_scrape_still_answers_with_the_database_and_the_broker_down(
    client, settings, django_db_blocker
):
    settings.CELERY_BROKER_URL = f"amqp://guest:guest@127.0.0.1:{free_port()}//"
    with django_db_blocker.unblock(), databases({"default": free_port()}):
        text = scrape(client)
    for source in ("shop_outbox_events", "shop_reservations_held", "shop_celery_queue_messages"):
        assert value(text, "shop_metrics_source_up", source=source) == 0, source
    assert value(text, "shop_outbox_events", status="pending") is None  # no made-up zero
    assert value(text, "shop_checkouts_total", outcome="placed") is not None


@pytest.mark.django_db
def test_finished_celery_tasks_are_counted(client):
    task = "shop.events.tasks.events_sweep_task"
    before = value(scrape(client), "shop_celery_tasks_total", task=task, state="success") or 0
    events_sweep_task.apply()
    assert value(scrape(client), "shop_celery_tasks_total", task=task, state="success") == (
        before + 1
    )


# --- The dashboard and the alerts -------------------------------------------------------

PROMQL_WORDS = {
    "sum", "min", "max", "avg", "count", "rate", "irate", "increase", "histogram_quantile",
    "by", "without", "on", "ignoring", "group_left", "group_right", "and", "or", "unless",
    "bool", "offset", "topk", "bottomk", "abs", "clamp_min", "clamp_max",
}  # fmt: skip


def metric_names(expr: str) -> set[str]:
    """The metric names a PromQL expression reads (strings, label matchers, ranges, grouping
    clauses and function names removed)."""
    expr = re.sub(r'"(?:[^"\\]|\\.)*"', "", expr)
    expr = re.sub(r"\{[^}]*\}", "", expr)
    expr = re.sub(r"\[[^\]]*\]", "", expr)
    expr = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", "", expr)
    names = re.findall(r"\b([a-zA-Z_:][a-zA-Z0-9_:]*)\b(?!\s*\()", expr)
    return {name for name in names if name not in PROMQL_WORDS}


def test_metric_names_are_read_out_of_promql():
    expr = (
        "histogram_quantile(0.95, sum by (le, view) "
        '(rate(a_bucket{status=~"5.."}[$__rate_interval])))'
        " / sum(increase(b_total[5m])) > 0.1 and on (x) c"
    )
    assert metric_names(expr) == {"a_bucket", "b_total", "c"}


def exported_names(text: str) -> set[str]:
    suffixes = {
        "counter": ("_total", "_created"),
        "histogram": ("_bucket", "_sum", "_count", "_created"),
        "summary": ("_sum", "_count", "_created"),
    }
    names = set()
    for family in text_string_to_metric_families(text):
        names.add(family.name)
        names.update(family.name + suffix for suffix in suffixes.get(family.type, ()))
        names.update(sample.name for sample in family.samples)
    return names


def dashboard_queries() -> list[str]:
    dashboard = json.loads(DASHBOARD.read_text())
    panels = [p for p in dashboard["panels"] if p["type"] != "row"]
    ids = [p["id"] for p in dashboard["panels"]]
    assert len(ids) == len(set(ids))
    for panel in panels:
        assert panel["targets"], panel["title"]
        assert panel["datasource"]["uid"] == "${datasource}"
    return [target["expr"] for panel in panels for target in panel["targets"]]


def alert_queries() -> list[str]:
    rules = [
        rule for group in yaml.safe_load(ALERTS.read_text())["groups"] for rule in group["rules"]
    ]
    for rule in rules:
        assert rule["labels"]["severity"] in ("page", "warn"), rule["alert"]
        assert rule["annotations"]["summary"]
        assert rule["alert"] in (ROOT / "README.md").read_text(), f"{rule['alert']} undocumented"
    return [rule["expr"] for rule in rules]


@pytest.mark.django_db
def test_the_dashboard_and_the_alerts_query_metrics_the_app_exports(client):
    client.get("/health/live")
    client.get("/api/v1/categories")
    text = scrape(client)
    exported = exported_names(text)
    for expr in dashboard_queries() + alert_queries():
        missing = metric_names(expr) - exported
        assert not missing, f"{expr}: not exported: {missing}"

    read = set().union(*map(metric_names, dashboard_queries()))
    for wanted in (
        "django_http_requests_total_by_view_transport_method_total",  # rate per endpoint
        "django_http_requests_latency_seconds_by_view_method_bucket",  # latency per endpoint
        "shop_checkouts_total",
        "shop_oversell_refusals_total",
        "shop_payment_webhook_events_total",
        "shop_reservations_held",
        "shop_reservations_expired_total",
        "shop_outbox_events",
        "shop_outbox_oldest_pending_age_seconds",
        "shop_celery_queue_messages",
    ):
        assert wanted in read, wanted


# --- Several processes, one sum ---------------------------------------------------------


def _get(url: str, timeout: float = 5) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def _wait_for(url: str, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, f"the process exited with {process.returncode}"
        try:
            # A long timeout: a request given up on could still be counted after we look.
            if _get(url, timeout=15)[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"{url} did not answer within {timeout} s")


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def _process_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    db = connections["default"].settings_dict  # the suite's test database
    url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": url,
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "prometheus"),
        **extra,
    }


def _live_requests(text: str) -> float:
    return sum(
        number
        for (name, labels), number in samples(text).items()
        if name == "django_http_requests_total_by_view_transport_method_total"
        and dict(labels).get("view") == "health-live"
    )


def test_gunicorn_workers_counters_are_summed_in_every_scrape(django_db_setup, tmp_path):
    port = free_port()
    env = _process_env(tmp_path, BIND=f"127.0.0.1:{port}", WEB_CONCURRENCY="2")
    web = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "shop.wsgi:application",
         "--config", "deploy/gunicorn.conf.py"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_for(f"{base}/health/live", web)
        already = _live_requests(_get(f"{base}/metrics")[1])
        for _ in range(12):
            assert _get(f"{base}/health/live")[0] == 200
        # Whichever worker answers, the scrape sums both.
        for _ in range(4):
            assert _live_requests(_get(f"{base}/metrics")[1]) == already + 12
    finally:
        _stop(web)


@pytest.mark.filterwarnings("ignore::celery.exceptions.AlwaysEagerIgnored")  # send_task sends
def test_a_worker_serves_its_probes_and_the_counters_of_its_pool(django_db_setup, tmp_path):
    queue, port = f"ops-worker-http-{os.getpid()}", free_port()
    env = _process_env(tmp_path, WORKER_HTTP_BIND=f"127.0.0.1:{port}")
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "shop", "worker", "-Q", queue,
         "--pool", "prefork", "--concurrency", "1", "-n", f"{queue}@%h",
         "--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel", "WARNING"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    task = "shop.events.tasks.events_sweep_task"
    try:
        _wait_for(f"{base}/health/live", worker)
        status, body = _get(f"{base}/health/ready")
        assert status == 200, body
        checks = json.loads(body)["checks"]
        assert checks == {"postgresql": "ok", "redis": "ok", "cart_redis": "ok", "broker": "ok"}
        assert _get(f"{base}/nope")[0] == 404

        celery_app.send_task(task, queue=queue)  # runs in the pool's child process
        deadline = time.monotonic() + 30
        while value(_get(f"{base}/metrics")[1], "shop_celery_tasks_total", task=task,
                    state="success") != 1:  # fmt: skip
            assert time.monotonic() < deadline, "the task was not counted"
            time.sleep(0.2)
    finally:
        _stop(worker)
        with Connection(settings.CELERY_BROKER_URL) as conn:
            conn.SimpleQueue(queue).queue.delete()
