"""Real-time indexing from the outbox, bulk rebuilds, and the order of concurrent writers."""

from __future__ import annotations

import threading
import time
import uuid

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, connections, transaction

from apps.catalog.models import Product
from apps.catalog.services import product_archive, product_update
from apps.search import services
from apps.search.exceptions import SearchRebuildRunning
from apps.search.models import SearchDocument, SearchTerm
from apps.search.services.indexing import LOCK_BUCKETS, LOCK_NAMESPACE
from apps.search.tasks import search_index_task
from shop.celery import app as celery_app
from shop.events.models import OutboxEvent
from shop.events.outbox import event_dispatch
from tests.catalog.factories import CategoryFactory, product_via_services
from tests.search.conftest import names
from tests.support.broker import real_broker_queue, running_worker  # noqa: F401 (a fixture)


def document(product) -> SearchDocument | None:
    return SearchDocument.objects.filter(product_id=product.id).first()


@pytest.mark.django_db
def test_indexing_tasks_go_to_the_indexing_queue():
    route = celery_app.amqp.router.route({}, search_index_task.name, args=([],), kwargs={})
    assert route["queue"].name == "indexing"


@pytest.mark.django_db
def test_a_redelivered_or_reordered_event_leaves_the_newest_state(shop, indexed):
    gaming = shop["products"]["gaming"]
    with indexed():
        product_archive(product_id=gaming.id)
    with indexed():
        product_update(product_id=gaming.id, status="active", name="Bluepeak Gaming Laptop 2")
    assert document(gaming).name == "Bluepeak Gaming Laptop 2"

    # Deliver the archive's `product.deleted` again, after the later update: indexing reads
    # the product as it is now (active), so the document stays.
    archived = OutboxEvent.objects.filter(name="product.deleted", payload={"id": str(gaming.id)})
    OutboxEvent.objects.filter(id=archived.get().id).update(status=OutboxEvent.Status.PENDING)
    archived.get().handled.all().delete()
    with indexed():
        event_dispatch(archived.get().id)
    assert document(gaming).name == "Bluepeak Gaming Laptop 2"
    assert gaming.id in {hit.id for hit in services.search(query="gaming").hits}


@pytest.mark.django_db
def test_products_that_are_not_active_have_no_document(search_backend, indexed):
    with indexed():
        draft = product_via_services(name="Secret Prototype", status="draft")
        archived = product_via_services(name="Old Prototype", status="archived")
        active = product_via_services(name="New Prototype")
    assert document(draft) is None and document(archived) is None and document(active)
    assert names(services.search(query="prototype")) == ["New Prototype"]
    assert services.index(product_ids=[draft.id, active.id, uuid.uuid4()]) == (
        services.IndexSummary(indexed=1, removed=2)
    )
    services.delete(product_ids=[active.id])
    assert services.search(query="prototype").count == 0


@pytest.mark.django_db
def test_a_rebuild_drops_stale_documents_and_rebuilds_the_vocabulary(shop):
    shirt = shop["products"]["shirt"]
    # Changes behind the services' back (no events): only a rebuild can notice them.
    Product.objects.filter(id=shirt.id).update(status="archived")
    Product.objects.filter(id=shop["products"]["budget"].id).update(name="Northwind Notebook")
    SearchTerm.objects.create(term="zzzstale")
    summary = services.rebuild()
    assert summary.backends == (("pg", "es") if shop["backend"] == "es" else ("pg",))
    assert summary.documents == 5
    assert document(shirt) is None
    assert SearchDocument.objects.count() == 5
    assert not SearchTerm.objects.filter(term="zzzstale").exists()
    assert SearchTerm.objects.filter(term="notebook").exists()
    assert names(services.search(query="notebok")) == ["Northwind Notebook"]  # a typo away


@pytest.mark.django_db
def test_search_reindex_command(shop, capsys, settings):
    settings.ELASTICSEARCH_URL = ""
    SearchDocument.objects.all().delete()
    call_command("search_reindex", "--batch", "2", verbosity=0)
    assert "Search index rebuilt (pg): 6 documents" in capsys.readouterr().out
    assert SearchDocument.objects.count() == 6
    with pytest.raises(CommandError, match="ELASTICSEARCH_URL"):
        call_command("search_reindex", "--backend", "es", verbosity=0)
    with pytest.raises(CommandError, match="--batch"):
        call_command("search_reindex", "--batch", "0", verbosity=0)


@pytest.mark.django_db
def test_seed_demo_leaves_the_index_built(settings):
    settings.ELASTICSEARCH_URL = ""
    call_command("seed_demo", products=30, verbosity=0)
    active = Product.objects.filter(status="active").count()
    assert active == 30 and SearchDocument.objects.count() == 30
    some = Product.objects.order_by("sku").first()
    word = some.name.split()[-2] if len(some.name.split()) > 2 else some.name.split()[-1]
    assert some.id in {hit.id for hit in services.search(query=some.name, page_size=100).hits}
    assert services.suggest(prefix=word[:4])


# --- concurrent writers ----------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_one_rebuild_at_a_time(settings):
    settings.ELASTICSEARCH_URL = ""
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:  # another rebuild is running
            cursor.execute("SELECT pg_advisory_lock(%s, %s)", [LOCK_NAMESPACE, LOCK_BUCKETS])
            with pytest.raises(SearchRebuildRunning):
                services.rebuild()
            with pytest.raises(CommandError, match="already running"):
                call_command("search_reindex", verbosity=0)
            cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [LOCK_NAMESPACE, LOCK_BUCKETS])
    finally:
        other.close()
    assert services.rebuild().backends == ("pg",)


@pytest.mark.django_db(transaction=True)
def test_an_indexing_run_waits_for_another_writer_of_the_product_then_reads_the_newest_state():
    product = product_via_services(name="Blue Kettle", category=CategoryFactory())
    services.index(product_ids=[product.id])
    holder = connections.create_connection("default")
    done = threading.Event()
    try:
        with holder.cursor() as cursor:  # another writer holds the product's lock
            cursor.execute("BEGIN")
            cursor.execute(
                "SELECT pg_advisory_xact_lock(%s, %s)",
                [LOCK_NAMESPACE, product.id.int % LOCK_BUCKETS],
            )

            def run():
                try:
                    services.index(product_ids=[product.id])
                finally:
                    connection.close()
                    done.set()

            worker = threading.Thread(target=run)
            worker.start()
            assert not done.wait(1.0), "indexing did not wait for the lock"
            # While it waits, the catalog changes and commits (no event: its indexing would
            # wait for the same lock, held by this thread): the waiting run must see it.
            Product.objects.filter(id=product.id).update(name="Red Kettle")
            cursor.execute("COMMIT")
        assert done.wait(10)
        worker.join(10)
    finally:
        holder.close()
    assert document(product).name == "Red Kettle"


# --- through RabbitMQ and a real worker ------------------------------------------------


def _reset_routes():
    celery_app.amqp.flush_routes()
    celery_app.amqp.__dict__.pop("router", None)


def _wait_until(predicate, timeout=20.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return predicate()


@pytest.mark.django_db(transaction=True)
def test_a_changed_product_is_searchable_within_seconds_through_the_broker(
    settings,
    real_broker_queue,  # noqa: F811
):
    settings.ELASTICSEARCH_URL = ""
    # Indexing tasks on the test's queue too (the fixture restores the routes afterwards).
    celery_app.conf.task_routes = {
        **celery_app.conf.task_routes,
        "apps.search.tasks.*": {"queue": real_broker_queue},
    }
    _reset_routes()
    with running_worker(real_broker_queue):
        with transaction.atomic():
            product = product_via_services(name="Copper Kettle", category=CategoryFactory())
        assert _wait_until(lambda: services.search(query="copper").count == 1, timeout=20)
        started = time.monotonic()
        with transaction.atomic():
            product_update(product_id=product.id, name="Brass Kettle")
        assert _wait_until(lambda: services.search(query="brass").count == 1, timeout=20)
        assert time.monotonic() - started < 20
        assert services.search(query="copper").count == 0
