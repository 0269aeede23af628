"""`stock.changed` reindexes a product only when its `in_stock` may have flipped: the flag is
the only stock figure a document holds, and a checkout line's stock change must not cost a
reindex when the product stays in stock."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.inventory.services import stock_adjust, warehouse_create
from apps.search import services
from tests.catalog.factories import product_via_services


def _adjust(indexed, variant_id, warehouse, delta) -> bool:
    """Change the stock with its events handled; whether the product was reindexed (indexing
    takes its per-product advisory locks first)."""
    with CaptureQueriesContext(connection) as queries, indexed():
        stock_adjust(variant_id=variant_id, warehouse_id=warehouse.id, delta=delta, reason="t")
    return any("pg_advisory_xact_lock" in q["sql"] for q in queries.captured_queries)


def test_only_a_change_that_may_flip_in_stock_reindexes(search_backend, indexed):
    with indexed():
        product = product_via_services(name="Walnut Desk Lamp", variants=[{"sku": "LAMP-1"}])
    variant_id = product.variants.get().id
    warehouse = warehouse_create(code="MAIN", name="Main")
    assert services.in_stock_indexed(product_id=product.id) is False

    assert _adjust(indexed, variant_id, warehouse, 3) is True  # out -> in
    assert services.in_stock_indexed(product_id=product.id) is True
    assert _adjust(indexed, variant_id, warehouse, 2) is False  # stays in: nothing to index
    assert _adjust(indexed, variant_id, warehouse, -4) is False  # 1 left: still in
    assert services.in_stock_indexed(product_id=product.id) is True
    assert _adjust(indexed, variant_id, warehouse, -1) is True  # in -> out
    assert services.in_stock_indexed(product_id=product.id) is False
    assert [h.in_stock for h in services.search(query="walnut").hits] == [False]


def test_one_variant_sold_out_while_another_has_stock_keeps_the_product_in_stock(
    search_backend, indexed
):
    with indexed():
        product = product_via_services(
            name="Linen Throw Pillow", variants=[{"sku": "PILLOW-S"}, {"sku": "PILLOW-L"}]
        )
    small, large = product.variants.order_by("sku").values_list("id", flat=True)
    warehouse = warehouse_create(code="MAIN", name="Main")
    _adjust(indexed, small, warehouse, 1)
    _adjust(indexed, large, warehouse, 1)
    # The variant is out, the document says in: reindexed, and inventory says still in.
    assert _adjust(indexed, small, warehouse, -1) is True
    assert services.in_stock_indexed(product_id=product.id) is True
    assert _adjust(indexed, large, warehouse, -1) is True
    assert services.in_stock_indexed(product_id=product.id) is False
