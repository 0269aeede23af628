"""Business and operations metrics, exported at /metrics next to django-prometheus' own.

Counters other modules increment (label values pre-declared below export 0 from the start, so a
dashboard or an alert never sees a missing series):

    from shop import metrics
    metrics.CHECKOUTS.labels(outcome="placed").inc()    # one of CHECKOUT_OUTCOMES
    metrics.OVERSELL_REFUSALS.inc()                     # a reservation refused: no stock left
    metrics.WEBHOOK_EVENTS.labels(type=event_type, result="applied").inc()  # WEBHOOK_RESULTS
    metrics.RESERVATIONS_EXPIRED.inc(count)             # released by the expiry sweep
    metrics.SEARCH_FALLBACKS.labels(operation="search", reason="unavailable").inc()

Gauges read at scrape time (`scrape_gauge`): values that live in a database or the broker
(outbox backlog, reservations held, queue depth, replica lag). Each is computed at most once
per SCRAPE_CACHE_SECONDS per process, under a statement timeout; a source that fails (database
or broker down) exports no sample and sets `shop_metrics_source_up{source}` to 0 instead of
failing the scrape. An app registers its own in `apps/<app>/metrics.py` (imported at start by
shop.appconfig), so this module imports no app.

Processes: gunicorn workers and Celery's pool processes each count in memory; with
PROMETHEUS_MULTIPROC_DIR set (deploy/: the Dockerfile, compose and k8s set it) prometheus_client
sums them across processes, and `metrics_view` and the worker's WORKER_HTTP_BIND serve the sum.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.http import HttpResponse
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

logger = logging.getLogger("shop.metrics")

SCRAPE_CACHE_SECONDS = 15
if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    # Each process writes its counts there from its first metric on (the deployments' entry
    # point empties it at start: deploy/entrypoint.sh).
    os.makedirs(os.environ["PROMETHEUS_MULTIPROC_DIR"], exist_ok=True)
STATEMENT_TIMEOUT_MS = 2000

# --- Counters ---------------------------------------------------------------------------

CHECKOUT_OUTCOMES = (
    "placed",
    "insufficient_stock",
    "invalid_coupon",
    "payment_unavailable",
    "failed",
)
CHECKOUTS = Counter("shop_checkouts", "Checkout attempts by outcome.", ["outcome"])

OVERSELL_REFUSALS = Counter(
    "shop_oversell_refusals",
    "Reservations refused under the stock lock because the units were gone: each one would "
    "have been an oversell.",
)

WEBHOOK_RESULTS = ("applied", "duplicate", "ignored", "rejected", "failed")
WEBHOOK_EVENTS = Counter(
    "shop_payment_webhook_events",
    "Payment provider webhook events by event type and result (applied, duplicate: seen "
    "before, ignored: a type we do not handle, rejected: bad signature or body, failed).",
    ["type", "result"],
)

RESERVATIONS_EXPIRED = Counter(
    "shop_reservations_expired", "Stock reservations released because their order went unpaid."
)

DB_ROUTED_REQUESTS = Counter(
    "shop_db_routed_requests",
    "HTTP requests by where their reads went, with read replicas configured (replica, "
    "pinned: the client wrote within READ_YOUR_WRITES_SECONDS, no_replica: none reachable).",
    ["reads"],
)
DB_REPLICA_UNAVAILABLE = Counter(
    "shop_db_replica_unavailable",
    "Times a read replica refused a connection and was skipped for a while.",
    ["alias"],
)

CELERY_TASKS = Counter(
    "shop_celery_tasks", "Celery tasks run, by task and final state.", ["task", "state"]
)

SEARCH_FALLBACK_REASONS = ("unavailable", "recently_failed")
SEARCH_FALLBACKS = Counter(
    "shop_search_fallbacks",
    "Search and suggest requests answered from PostgreSQL because Elasticsearch is configured "
    "but failed (unavailable) or failed moments ago and is left alone (recently_failed).",
    ["operation", "reason"],
)

for _outcome in CHECKOUT_OUTCOMES:
    CHECKOUTS.labels(outcome=_outcome)
for _reads in ("replica", "pinned", "no_replica"):
    DB_ROUTED_REQUESTS.labels(reads=_reads)
for _operation in ("search", "suggest"):
    for _reason in SEARCH_FALLBACK_REASONS:
        SEARCH_FALLBACKS.labels(operation=_operation, reason=_reason)


# --- Gauges read at scrape time ---------------------------------------------------------

Reading = float | Mapping[tuple[str, ...], float]


@dataclass
class _Source:
    name: str
    documentation: str
    labelnames: tuple[str, ...]
    read: Callable[[], Reading]
    database: str | None
    cached_at: float = float("-inf")
    value: Reading | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    def current(self, *, unreachable: set[str]) -> Reading | None:
        """The cached or a fresh reading; None when the source failed. A database in
        `unreachable` (another source of this scrape failed on it) is not tried again."""
        with self.lock:
            if time.monotonic() - self.cached_at >= SCRAPE_CACHE_SECONDS:
                try:
                    if self.database in unreachable:
                        raise ConnectionError(f"database {self.database} failed this scrape")
                    if self.database is None:
                        self.value = self.read()
                    else:
                        with timed_transaction(self.database):
                            self.value = self.read()
                except Exception as exc:
                    logger.warning("metric %s not read: %s", self.name, exc)
                    self.value = None
                    if self.database is not None and connections[self.database].connection is None:
                        unreachable.add(self.database)  # it could not even connect
                # A failure is cached too: a scrape must stay cheap while a service is down.
                self.cached_at = time.monotonic()
            return self.value


_sources: dict[str, _Source] = {}


def scrape_gauge(
    name: str,
    documentation: str,
    *,
    labelnames: tuple[str, ...] = (),
    database: str | None = "default",
):
    """Register the decorated function as gauge `name`, read when /metrics is scraped.

    The function returns a number, or with `labelnames` a mapping of label-value tuples to
    numbers. It must be cheap (an indexed count, one broker round trip): it runs at most once
    per SCRAPE_CACHE_SECONDS per process, and with `database` (the default) inside a
    transaction on that alias whose statements give up after STATEMENT_TIMEOUT_MS (pass None
    for a source that is not the database). Registering a name twice replaces the first.
    """

    def register(read: Callable[[], Reading]) -> Callable[[], Reading]:
        _sources[name] = _Source(name, documentation, tuple(labelnames), read, database)
        return read

    return register


@contextmanager
def timed_transaction(alias: str = "default") -> Iterator[BaseDatabaseWrapper]:
    """A transaction on `alias` whose statements give up after STATEMENT_TIMEOUT_MS."""
    with transaction.atomic(using=alias):
        connection = connections[alias]
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL statement_timeout = %s", [STATEMENT_TIMEOUT_MS])
        yield connection


def reset_scrape_cache() -> None:
    """Forget cached readings (tests, and an operator's shell after fixing a source)."""
    for source in _sources.values():
        with source.lock:
            source.cached_at = float("-inf")


class _ScrapeCollector(Collector):
    def describe(self):
        return []  # registering must not read the sources (no database at import time)

    def collect(self):
        up = GaugeMetricFamily(
            "shop_metrics_source_up",
            "1 when the last reading of a scrape-time gauge succeeded, 0 when its source "
            "(database, broker) failed.",
            labels=["source"],
        )
        unreachable: set[str] = set()  # one connect timeout per scrape, not one per gauge
        for source in list(_sources.values()):
            value = source.current(unreachable=unreachable)
            up.add_metric([source.name], 0.0 if value is None else 1.0)
            family = GaugeMetricFamily(
                source.name, source.documentation, labels=list(source.labelnames)
            )
            if isinstance(value, Mapping):
                for labels, number in sorted(value.items()):
                    family.add_metric(list(labels), float(number))
            elif value is not None:
                family.add_metric([], float(value))
            yield family
        yield up


_scrape_collector = _ScrapeCollector()


def _multiprocess_dir() -> str | None:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


def registry() -> CollectorRegistry:
    """What a scrape serves: this process' registry, or with PROMETHEUS_MULTIPROC_DIR the sum
    over every process of the pod; plus the scrape-time gauges."""
    if _multiprocess_dir() is None:
        return REGISTRY
    combined = CollectorRegistry()
    multiprocess.MultiProcessCollector(combined)
    combined.register(_scrape_collector)
    return combined


if _multiprocess_dir() is None:
    REGISTRY.register(_scrape_collector)


def metrics_view(request):
    """GET /metrics in the Prometheus text format (shop/urls.py)."""
    return HttpResponse(generate_latest(registry()), content_type=CONTENT_TYPE_LATEST)


@scrape_gauge(
    "shop_outbox_events",
    "Outbox events not done: pending (written, not yet handled by every handler) and dead "
    "(gave up after repeated failures; `manage.py events_replay --dead`).",
    labelnames=("status",),
)
def _outbox_events() -> dict[tuple[str, ...], float]:
    from shop.events.models import OutboxEvent

    statuses = (OutboxEvent.Status.PENDING, OutboxEvent.Status.DEAD)
    return {(str(s),): OutboxEvent.objects.filter(status=s).count() for s in statuses}


@scrape_gauge(
    "shop_outbox_oldest_pending_age_seconds",
    "Age of the oldest pending outbox event (0 when none): how far events lag behind commits.",
)
def _outbox_lag() -> float:
    from django.utils import timezone

    from shop.events.models import OutboxEvent

    oldest = (
        OutboxEvent.objects.filter(status=OutboxEvent.Status.PENDING)
        .order_by("created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    return 0.0 if oldest is None else max(0.0, (timezone.now() - oldest).total_seconds())


@scrape_gauge(
    "shop_celery_queue_messages",
    "Messages waiting in each Celery queue on the broker (ready, not yet taken by a worker).",
    labelnames=("queue",),
    database=None,
)
def _celery_queue_messages() -> dict[tuple[str, ...], float]:
    from celery import current_app
    from kombu import Connection

    names = sorted({queue.name for queue in current_app.conf.task_queues or ()}) or ["default"]
    depths: dict[tuple[str, ...], float] = {}
    with Connection(settings.CELERY_BROKER_URL, connect_timeout=1) as conn:
        conn.ensure_connection(max_retries=1, interval_start=0, timeout=1)
        for name in names:
            channel = conn.channel()
            try:
                _, messages, _ = channel.queue_declare(queue=name, passive=True)
            except conn.channel_errors:
                continue  # not declared yet: no worker has started on this broker
            finally:
                try:
                    channel.close()
                except Exception:  # the broker closed it after refusing the declare
                    logger.debug("channel of queue %s already closed", name)
            depths[(name,)] = float(messages)
    return depths


@scrape_gauge(
    "shop_db_replica_lag_seconds",
    "How far each read replica's replay is behind the primary (0 when it has replayed all it "
    "received). Above READ_YOUR_WRITES_SECONDS a client may not read its own write.",
    labelnames=("alias",),
    database=None,
)
def _replica_lag() -> dict[tuple[str, ...], float]:
    lags = {}
    for alias in getattr(settings, "DATABASE_REPLICAS", ()):
        with timed_transaction(alias) as conn, conn.cursor() as cursor:
            cursor.execute(
                "SELECT CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0"
                " ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 0)"
                " END"
            )
            lags[(alias,)] = float(cursor.fetchone()[0])
    return lags


# --- Celery workers ---------------------------------------------------------------------


def _task_finished(sender=None, task=None, state=None, **kwargs) -> None:
    name = getattr(task, "name", None) or getattr(sender, "name", "unknown")
    CELERY_TASKS.labels(task=name, state=(state or "unknown").lower()).inc()


def _worker_http_serve(sender=None, **kwargs) -> None:
    from shop import worker_http

    bind = getattr(settings, "WORKER_HTTP_BIND", "")
    if bind:
        worker_http.serve(bind)


def _worker_process_gone(sender=None, **kwargs) -> None:
    if _multiprocess_dir():
        multiprocess.mark_process_dead(os.getpid())


def celery_connect() -> None:
    """Count every finished task, and serve the worker's probes and metrics on
    WORKER_HTTP_BIND (shop/worker_http.py); called once by shop/celery.py."""
    from celery import signals

    signals.task_postrun.connect(_task_finished, weak=False, dispatch_uid="shop.metrics.task")
    signals.worker_ready.connect(_worker_http_serve, weak=False, dispatch_uid="shop.metrics.http")
    signals.worker_process_shutdown.connect(
        _worker_process_gone, weak=False, dispatch_uid="shop.metrics.gone"
    )


# --- Requests ----------------------------------------------------------------------------
# The series of django-prometheus' request middleware that the dashboard, the alerts and the
# runbook read (deploy/grafana, deploy/prometheus), same names and labels, from one middleware
# that updates four children per request (django-prometheus' pair updated a dozen metrics,
# each through `labels()` under its lock). The children are looked up once per label set.

_LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0)
_METHODS = frozenset(
    ("GET", "HEAD", "POST", "PUT", "DELETE", "TRACE", "OPTIONS", "CONNECT", "PATCH")
)
REQUESTS_BY_METHOD = Counter(
    "django_http_requests_total_by_method", "Count of requests by method.", ["method"]
)
REQUESTS_BY_VIEW = Counter(
    "django_http_requests_total_by_view_transport_method",
    "Count of requests by view, transport, method.",
    ["view", "transport", "method"],
)
RESPONSES_BY_STATUS = Counter(
    "django_http_responses_total_by_status_view_method",
    "Count of responses by status, view, method.",
    ["status", "view", "method"],
)
LATENCY_BY_VIEW = Histogram(
    "django_http_requests_latency_seconds_by_view_method",
    "Histogram of request processing time (the whole middleware chain) labelled by view.",
    ["view", "method"],
    buckets=_LATENCY_BUCKETS,
)


class RequestMetricsMiddleware:
    """Counts every request and its latency (first in MIDDLEWARE, so the whole chain)."""

    def __init__(self, get_response):
        self.get_response = get_response
        # (view, transport, method, status) -> the children to update; bounded by the URL
        # patterns x methods x statuses (unknown methods share one label).
        self._children: dict[tuple[str, str, str, int], tuple] = {}

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        elapsed = time.perf_counter() - started
        method = request.method if request.method in _METHODS else "<invalid method>"
        match = request.resolver_match
        view = (match.view_name or "<unnamed view>") if match is not None else None
        transport = "https" if request.is_secure() else "http"
        key = (view, transport, method, response.status_code)
        children = self._children.get(key)
        if children is None:
            name = view or "<unnamed view>"
            children = (
                REQUESTS_BY_METHOD.labels(method),
                REQUESTS_BY_VIEW.labels(name, transport, method) if view else None,
                RESPONSES_BY_STATUS.labels(str(response.status_code), name, method),
                LATENCY_BY_VIEW.labels(name, method),
            )
            self._children[key] = children
        by_method, by_view, by_status, latency = children
        by_method.inc()
        if by_view is not None:
            by_view.inc()
        by_status.inc()
        latency.observe(elapsed)
        return response
