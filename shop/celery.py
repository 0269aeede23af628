"""The Celery app. Queues: indexing, inventory, email, events (and default); a worker started
without -Q consumes all of them. Beat runs the periodic jobs below."""

import os

from celery import Celery
from celery.schedules import crontab
from kombu import Queue

from shop import metrics

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings")

app = Celery("shop")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.task_queues = [
    Queue(name) for name in ("default", "indexing", "inventory", "email", "events")
]
# Routed here rather than in the decorator so a deployment (or a test) can re-route it.
app.conf.task_routes = {
    "shop.events.tasks.*": {"queue": "events"},
    "apps.search.tasks.*": {"queue": "indexing"},
}
app.conf.beat_schedule = {
    "events-sweep": {"task": "shop.events.tasks.events_sweep_task", "schedule": 30.0},
    "reservations-expire": {
        "task": "apps.inventory.tasks.reservations_expire_task",
        "schedule": crontab(minute="*"),
    },
    "refunds-retry": {
        "task": "apps.payments.tasks.refunds_retry_task",
        "schedule": crontab(minute="*/5"),
    },
    "records-purge": {
        "task": "shop.tasks.records_purge_task",
        "schedule": crontab(hour=3, minute=17),
    },
}
app.autodiscover_tasks()
metrics.celery_connect()
app.autodiscover_tasks(["shop.events"])
