"""Search fixtures: the backend under test and a small catalog indexed through the outbox.

`search_backend` runs a test against PostgreSQL always, and against Elasticsearch too when
the suite runs with ELASTICSEARCH_URL set (no Elasticsearch server can be installed on the
development machines; CI with one runs the same tests against it). Each Elasticsearch run
gets an index alias of its own, dropped afterwards.
"""

from __future__ import annotations

import contextlib
import os
import uuid

import pytest

from apps.search import services
from tests.catalog.factories import BrandFactory, CategoryFactory, product_via_services

ELASTICSEARCH_URL = os.environ.get("ELASTICSEARCH_URL", "")
BACKENDS = ["pg", "es"] if ELASTICSEARCH_URL else ["pg"]


@pytest.fixture(params=BACKENDS)
def search_backend(request, settings, db):
    services.elasticsearch_retry_now()
    if request.param == "pg":
        settings.ELASTICSEARCH_URL = ""
        yield "pg"
        return
    settings.ELASTICSEARCH_URL = ELASTICSEARCH_URL
    settings.SEARCH_ES_INDEX = f"test-shop-products-{uuid.uuid4().hex[:10]}"
    services.rebuild(backend="es")  # the (empty) index behind the alias
    yield "es"
    from elasticsearch import Elasticsearch

    client = Elasticsearch(ELASTICSEARCH_URL)
    alias = settings.SEARCH_ES_INDEX
    with contextlib.suppress(Exception):  # wildcard deletes are refused by default
        indices = client.indices.get_alias(name=f"{alias},{alias}-rebuilding").body
        client.indices.delete(index=",".join(indices))
    services.elasticsearch_retry_now()


@pytest.fixture
def indexed(django_capture_on_commit_callbacks):
    """Run a block of catalog/inventory writes with their on-commit effects, so their events
    are relayed, dispatched (eager Celery) and indexed by the time the block ends."""

    @contextlib.contextmanager
    def block():
        with django_capture_on_commit_callbacks(execute=True):
            yield

    return block


@pytest.fixture
def shop(search_backend, indexed):
    """Electronics > Computers > Laptops, Electronics > Audio, Clothing > Shirts; brands
    Northwind and Bluepeak; products created through the catalog services (events)."""
    electronics = CategoryFactory(name="Electronics", slug="electronics")
    computers = CategoryFactory(name="Computers", slug="computers", parent=electronics)
    laptops = CategoryFactory(name="Laptops", slug="laptops", parent=computers)
    audio = CategoryFactory(name="Audio", slug="audio", parent=electronics)
    clothing = CategoryFactory(name="Clothing", slug="clothing")
    shirts = CategoryFactory(name="Shirts", slug="shirts", parent=clothing)
    northwind = BrandFactory(name="Northwind", slug="northwind")
    bluepeak = BrandFactory(name="Bluepeak", slug="bluepeak")

    def make(name, category, brand, price, description="Made to last."):
        return product_via_services(
            name=name,
            category=category,
            brand=brand,
            base_price=price,
            description=description,
        )

    with indexed():
        products = {
            "ultrabook": make("Northwind Ultrabook 14", laptops, northwind, "999.00"),
            "gaming": make("Bluepeak Gaming Laptop", laptops, bluepeak, "1499.00"),
            "budget": make("Northwind Budget Laptop", laptops, northwind, "449.00"),
            "headphones": make("Northwind Studio Headphones", audio, northwind, "79.00"),
            "speaker": make("Bluepeak Party Speaker", audio, bluepeak, "45.00"),
            "shirt": make("Oxford Shirt", shirts, bluepeak, "39.00"),
        }
    return {
        "categories": {
            "electronics": electronics,
            "computers": computers,
            "laptops": laptops,
            "audio": audio,
            "clothing": clothing,
            "shirts": shirts,
        },
        "brands": {"northwind": northwind, "bluepeak": bluepeak},
        "products": products,
        "backend": search_backend,
    }


def names(result) -> list[str]:
    return [hit.name for hit in result.hits]
