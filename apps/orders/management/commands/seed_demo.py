"""`manage.py seed_demo [--products N] [--if-empty]`: a demo shop to click around in.

The orders app is the top layer, so this command orchestrates every app's demo data; today
that is the catalog (stock, promotions and users join as their apps provide seed services).
"""

from __future__ import annotations

import sys

from django.core.management.base import BaseCommand
from tqdm import tqdm

from apps.catalog.services import catalog_demo_seed, catalog_has_products


class Command(BaseCommand):
    help = "Load a realistic demo catalog (idempotent: existing demo products are skipped)."

    def add_arguments(self, parser):
        parser.add_argument("--products", type=int, default=1000, help="demo products (1000)")
        parser.add_argument(
            "--if-empty", action="store_true", help="do nothing when any product exists"
        )

    def handle(self, *args, products: int, if_empty: bool, **options):
        if products < 0:
            self.stderr.write("--products must be 0 or more")
            raise SystemExit(2)
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
