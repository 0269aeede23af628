"""Ids the benchmarks use, picked from the seeded catalog (read-only, in-process)."""

from __future__ import annotations

import random

from bench.common import django_setup


def pick(seed: int = 42, detail_ids: int = 200) -> dict:
    django_setup()
    # Reading models here is fine: bench/ is outside the apps and their import contract.
    from django.db.models import Count

    from apps.catalog.models import Brand, Category, Product, Variant
    from apps.inventory.services import availability

    rng = random.Random(seed)
    active = list(Product.objects.filter(status="active").values_list("id", flat=True))
    if not active:
        raise SystemExit("no active products: seed the catalog first")
    chosen = rng.sample(active, min(detail_ids, len(active)))
    counted = Product.objects.filter(id__in=chosen).annotate(n=Count("variants"))
    variant_counts = {str(p.id): p.n for p in counted}
    fewest = min(variant_counts, key=variant_counts.get)
    most = max(variant_counts, key=variant_counts.get)
    # Variants of active products that have stock now (for carts), in a fixed random order.
    sample_variants = list(
        Variant.objects.filter(product__status="active", product_id__in=chosen).values_list(
            "id", flat=True
        )
    )
    stock = availability(sample_variants)
    stocked = sorted((v for v in sample_variants if stock[v] > 0), key=str)
    rng.shuffle(stocked)
    root = Category.objects.filter(level=0).order_by("path").first()
    leaf = (
        Category.objects.filter(level=2, products__status="active")
        .order_by("path")
        .values_list("id", flat=True)
        .first()
    )
    brand = Brand.objects.order_by("slug").values_list("id", flat=True).first()
    return {
        "root_category": str(root.id),
        "root_category_path": root.path,
        "leaf_category": str(leaf),
        "brand": str(brand),
        "detail_ids": [str(i) for i in chosen],
        "variant_counts": variant_counts,
        "fewest_variants_id": fewest,
        "most_variants_id": most,
        "stocked_variant_ids": [str(v) for v in stocked],
        "active_products": len(active),
    }
