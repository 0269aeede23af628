"""`manage.py seed_demo [--products N] [--if-empty]`: a demo shop to click around in.

The orders app is the top layer, so this command orchestrates every app's demo data: the
catalog, then stock in two warehouses (whose availability the catalog's copy takes in bulk),
then a few promotions of each type (automatic ones and coupons), then the search index,
rebuilt in bulk (the seed publishes no event per product).
Users join as their app provides a seed service.
"""

from __future__ import annotations

import sys

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone
from tqdm import tqdm

from apps.catalog.services import (
    catalog_demo_seed,
    catalog_has_products,
    products_active_count,
    variant_ids_all,
    variants_stock_bulk_apply,
)
from apps.inventory.services import stock_demo_seed
from apps.promotions.services import promotions_demo_seed
from apps.search.exceptions import SearchBackendUnavailable
from apps.search.services import RebuildSummary
from apps.search.services import rebuild as search_rebuild


class Command(BaseCommand):
    help = "Load a realistic demo shop (idempotent: what exists already is skipped)."

    def add_arguments(self, parser):
        parser.add_argument("--products", type=int, default=1000, help="demo products (1000)")
        parser.add_argument(
            "--if-empty", action="store_true", help="do nothing when any product exists"
        )

    def handle(self, *args, products: int, if_empty: bool, **options):
        if products < 0:
            raise CommandError("--products must be 0 or more")
        if if_empty and catalog_has_products():
            self.stdout.write("Products exist; nothing seeded (--if-empty).")
            return
        show = options["verbosity"] > 0
        with tqdm(total=products, unit="product", disable=not show, file=sys.stderr) as bar:
            summary = catalog_demo_seed(products=products, progress=bar.update)
        self.stdout.write(
            f"Catalog: {summary.created} products created ({summary.variants} variants), "
            f"{summary.skipped} already there, {summary.brands} brands, "
            f"{summary.categories} categories, in {summary.seconds:.1f}s."
        )

        started = timezone.now()
        variant_ids = variant_ids_all()
        with tqdm(total=len(variant_ids), unit="variant", disable=not show, file=sys.stderr) as bar:
            available = stock_demo_seed(
                variant_ids=variant_ids, progress=lambda done, total: bar.update(done - bar.n)
            )
        updated = variants_stock_bulk_apply(stock=available, at=timezone.now())
        seconds = (timezone.now() - started).total_seconds()
        self.stdout.write(
            f"Stock: {len(available)} variants stocked in two warehouses "
            f"({updated} catalog copies updated), in {seconds:.1f}s."
        )
        promotions = promotions_demo_seed()
        self.stdout.write(f"Promotions: {promotions} created (coupons and automatic ones).")
        indexed = self._search_index(show)
        self.stdout.write(
            f"Search: {indexed.documents} documents indexed ({', '.join(indexed.backends)}), "
            f"in {indexed.seconds:.1f}s."
        )
        if (summary.created or available) and not connection.in_atomic_block:
            # Bulk loads leave dead rows and stale planner statistics behind (the stock step
            # rewrites every product and variant row); without this, counting the product
            # list read ~170k heap rows instead of the index, 130 ms instead of 20 ms. VACUUM
            # cannot run inside a transaction (a caller's, or a test's), so it is skipped there.
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")

    def _search_index(self, show: bool) -> RebuildSummary:
        total = products_active_count()
        try:
            with tqdm(total=total, unit="doc", disable=not show, file=sys.stderr) as bar:
                return search_rebuild(progress=bar.update)
        except SearchBackendUnavailable as exc:
            # The demo must not depend on Elasticsearch: PostgreSQL answers without it.
            self.stderr.write(
                f"Elasticsearch unavailable ({exc}); indexed PostgreSQL only. "
                "Run `manage.py search_reindex --backend es` once it is back."
            )
            with tqdm(total=total, unit="doc", disable=not show, file=sys.stderr) as bar:
                return search_rebuild(backend="pg", progress=bar.update)
