"""A realistic demo catalog, loaded fast and idempotently (`manage.py seed_demo`).

Product `i` always gets SKU `DEMO-<i>` and the same data (a generator seeded by `i`), so a
second run skips what exists and fills only the gaps. Rows go in with PostgreSQL `COPY`, a
batch per transaction. No outbox event is written per product: a bulk load is followed by
`search_reindex` instead of 100k `product.created` events.
"""

from __future__ import annotations

import functools
import json
import random
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from django.db import connection, transaction
from django.utils.text import slugify

from apps.catalog.models import Brand, Category, Product, ProductAttribute, Variant
from apps.catalog.services import demo_words as words

SKU_PREFIX = "DEMO-"
BATCH = 10_000
_EPOCH = datetime(2025, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class DemoSeedSummary:
    created: int  # products inserted by this run
    skipped: int  # demo products that already existed
    variants: int  # variants inserted by this run
    categories: int  # categories in the demo tree
    brands: int
    seconds: float


def _ensure_categories() -> list[tuple[Category, str]]:
    """The demo tree (get or create by slug); returns the leaves with their leaf name."""
    leaves = []
    for root_name, children in words.TREE.items():
        root = _category(root_name, None)
        for child_name, leaf_names in children.items():
            child = _category(child_name, root)
            for leaf_name in leaf_names:
                leaves.append((_category(leaf_name, child), leaf_name))
    return leaves


def _category(name: str, parent: Category | None) -> Category:
    slug = slugify(name) if parent is None else slugify(f"{parent.slug}-{name}")
    if len(slug) > 60:
        slug = slugify(name)
    category = Category.objects.filter(slug=slug).first()
    if category is None:
        category = Category.objects.create(
            name=name,
            slug=slug,
            parent=parent,
            path=f"{parent.path if parent else '/'}{slug}/",
            level=parent.level + 1 if parent else 0,
        )
    return category


def _ensure_brands() -> list[Brand]:
    brands = []
    for name in words.BRANDS:
        brand = Brand.objects.filter(slug=slugify(name)).first()
        brands.append(brand or Brand.objects.create(name=name, slug=slugify(name)))
    return brands


@functools.cache
def _slug(text: str) -> str:
    return slugify(text)


@functools.cache
def _option(axis: str, count: int, step: int) -> tuple[tuple[str, str, Decimal], ...]:
    """(SKU suffix, attributes JSON, price adjustment) of each variant of an axis, computed once."""
    rows = []
    for position, option in enumerate(words.AXES[axis][:count]):
        code = "-".join(_slug(v).upper() for v in option.values())
        rows.append((f"-{code}" if code else "", json.dumps(option), Decimal(step * position)))
    return tuple(rows)


def _text(value: str) -> str:
    # COPY's text format treats backslash, tab and newlines specially.
    if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
        value = (
            value.replace("\\", "\\\\")
            .replace("\t", "\\t")
            .replace("\n", "\\n")
            .replace("\r", "\\r")
        )
    return value


def _product_rows(index, leaves, brands, products, variants, attributes, now):
    """Append product `index`'s COPY lines (text format) to the three lists."""
    rng = random.Random(index)
    category, leaf = leaves[index % len(leaves)]
    nouns, (low, high), axis = words.LEAVES[leaf]
    brand = brands[rng.randrange(len(brands))]
    adjective = rng.choice(words.ADJECTIVES)
    noun = rng.choice(nouns)
    material = rng.choice(words.MATERIALS)
    colour = rng.choice(words.COLOURS)
    suffix = rng.choice(("", "", "2", "Pro", "Lite", "Plus", "Max", "Mini"))
    name = " ".join(filter(None, (brand.name, adjective, noun, suffix)))
    sku = f"{SKU_PREFIX}{index:06d}"
    slug = "-".join(
        filter(None, (_slug(brand.name), _slug(adjective), _slug(noun), _slug(suffix), sku.lower()))
    )
    fill = {
        "material_l": material.lower(),
        "adjective_l": adjective.lower(),
        "noun_l": noun.lower(),
        "colour_l": colour.lower(),
    }
    description = " ".join(s.format(**fill) for s in rng.sample(words.SENTENCES, 3))
    base = Decimal(f"{rng.randint(low, high)}.99")
    created = (_EPOCH + timedelta(minutes=index * 3)).isoformat()
    product_id = uuid.uuid4().hex

    count = len(words.AXES[axis])
    if count > 1:
        count = rng.randint(2, count)
    options = _option(axis, count, words.STEP.get(axis, 0))
    for position, (code, attrs, adjustment) in enumerate(options):
        # Variants are out of stock until inventory's stock.changed says otherwise.
        variants.append(
            f"{uuid.uuid4().hex}\t{product_id}\t{sku}{code}\t{attrs}\t{adjustment}\t"
            f"{base + adjustment}\tf\t0\t\\N\t{position}\t{created}\n"
        )
    # Adjustments never go below zero here, so the first variant is the cheapest.
    products.append(
        f"{product_id}\t{sku}\t{slug}\t{_text(name)}\t{_text(description)}\t{brand.id.hex}\t"
        f"{category.id.hex}\t{base}\t{base}\tf\tactive\t0.00\t0\t{created}\t{now}\n"
    )
    attributes.append(f"{product_id}\tmaterial\t{material}\n")
    attributes.append(f"{product_id}\tcolour\t{colour}\n")
    warranty = rng.choice(("1 year", "2 years", "3 years"))
    attributes.append(f"{product_id}\twarranty\t{warranty}\n")


def _copy(table: str, columns: list[str], lines: list[str]) -> None:
    with connection.cursor() as cursor:
        sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
        with cursor.cursor.copy(sql) as copy:
            copy.write("".join(lines))


_PRODUCT_COLUMNS = [
    "id", "sku", "slug", "name", "description", "brand_id", "category_id", "base_price",
    "price", "in_stock", "status", "rating", "num_reviews", "created_at", "updated_at",
]  # fmt: skip
_VARIANT_COLUMNS = [
    "id", "product_id", "sku", "attributes", "price_adjustment", "price", "in_stock",
    "available", "stock_updated_at", "position", "created_at",
]  # fmt: skip


def catalog_demo_seed(
    *, products: int, progress: Callable[[int], None] | None = None
) -> DemoSeedSummary:
    """Make sure demo products `DEMO-000001` … `DEMO-<products>` exist, with a 3-level
    category tree, 30 brands, size/colour/storage variants and attributes.

    Idempotent: existing demo SKUs are skipped, nothing is duplicated. `progress(n)` is called
    with the number of products handled after each batch. Each batch commits on its own, so
    an interrupted run keeps its work and the next run completes it.
    """
    started = time.monotonic()
    with transaction.atomic():
        leaves = _ensure_categories()
        brands = _ensure_brands()
    existing = set(Product.objects.filter(sku__startswith=SKU_PREFIX).values_list("sku", flat=True))
    now = datetime.now(UTC).isoformat()
    created = variants = skipped = 0
    for start in range(1, products + 1, BATCH):
        product_rows: list[str] = []
        variant_rows: list[str] = []
        attribute_rows: list[str] = []
        indexes = range(start, min(start + BATCH, products + 1))
        for index in indexes:
            if f"{SKU_PREFIX}{index:06d}" in existing:
                skipped += 1
                continue
            _product_rows(index, leaves, brands, product_rows, variant_rows, attribute_rows, now)
        if product_rows:
            with transaction.atomic():
                _copy(Product._meta.db_table, _PRODUCT_COLUMNS, product_rows)
                _copy(Variant._meta.db_table, _VARIANT_COLUMNS, variant_rows)
                _copy(
                    ProductAttribute._meta.db_table, ["product_id", "name", "value"], attribute_rows
                )
            created += len(product_rows)
            variants += len(variant_rows)
        if progress:
            progress(len(indexes))
    if created:
        with connection.cursor() as cursor:
            # Fresh statistics (good plans at once, the admin's estimated row count) and, outside
            # a transaction, a visibility map so COUNT(*) of the list can use index-only scans.
            tables = f"{Product._meta.db_table}, {Variant._meta.db_table}"
            verb = "ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE"
            cursor.execute(f"{verb} {tables}")
    return DemoSeedSummary(
        created=created,
        skipped=skipped,
        variants=variants,
        categories=Category.objects.count(),
        brands=len(brands),
        seconds=round(time.monotonic() - started, 2),
    )
