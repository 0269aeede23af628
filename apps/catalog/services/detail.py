"""The product detail as clients see it, read through the Redis cache.

The cached value is the rendered dict itself, so a hit costs one cache round trip and no
database query; visibility (active vs draft/archived) is decided from the dict's `status`.
Every change to what the dict shows invalidates it on commit (`product_cache_invalidate_on_commit`).
The cache is an optimisation only: when Redis is down reads go to the database and writes
carry on, they never fail because of it.
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Iterable
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Prefetch

from apps.catalog.exceptions import ProductNotFound
from apps.catalog.models import Product, ProductAttribute, ProductImage, Variant
from apps.catalog.services.listing import product_lists_invalidate
from shop.read_cache import (
    cache_fill,
    cache_get,
    cache_get_many,
    cache_set_many,
    guard_read,
    guards_bump,
    guards_read_many,
    render_json,
)

logger = logging.getLogger("apps.catalog")

# Bump the version when the dict's shape changes, so old entries are never served.
_KEY = "catalog:product:v3:{}"
_GUARD = "catalog:product-guard:{}"
# Which product a variant belongs to: a fact that never changes (a deleted variant is simply
# not in its product's detail any more), written whenever a detail is built.
_VARIANT_PRODUCT = "catalog:variant-product:v1:{}"
_VARIANT_PRODUCT_SECONDS = 7 * 24 * 3600


def money(value: Decimal) -> str:
    return f"{value:.2f}"


def iso(value) -> str | None:
    if value is None:
        return None
    text = value.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def image_url(name: str | None) -> str | None:
    return default_storage.url(name) if name else None


def _detail_queryset():
    return Product.objects.select_related("brand", "category").prefetch_related(
        Prefetch("attribute_values", queryset=ProductAttribute.objects.order_by("name")),
        Prefetch("images", queryset=ProductImage.objects.order_by("position", "id")),
        Prefetch("variants", queryset=Variant.objects.order_by("position", "sku")),
    )


def product_detail_build(product: Product) -> dict[str, Any]:
    """Render a product (loaded with `_detail_queryset`) as the API.md detail dict."""
    brand = product.brand
    category = product.category
    return {
        "id": str(product.id),
        "sku": product.sku,
        "slug": product.slug,
        "name": product.name,
        "description": product.description,
        "brand": {"id": str(brand.id), "name": brand.name} if brand else None,
        "category": {"id": str(category.id), "name": category.name, "path": category.path},
        "base_price": money(product.base_price),
        "price": money(product.price),
        "in_stock": product.in_stock,
        "status": product.status,
        "rating": money(product.rating),
        "num_reviews": product.num_reviews,
        "attributes": {a.name: a.value for a in product.attribute_values.all()},
        "images": [
            {
                "id": str(image.id),
                "url": image_url(image.image.name),
                "alt_text": image.alt_text,
                "position": image.position,
            }
            for image in product.images.all()
        ],
        "variants": [
            {
                "id": str(variant.id),
                "sku": variant.sku,
                "attributes": variant.attributes,
                "price_adjustment": money(variant.price_adjustment),
                "price": money(variant.price),
                "in_stock": variant.in_stock,
                "available": variant.available,
            }
            for variant in product.variants.all()
        ],
        "created_at": iso(product.created_at),
        "updated_at": iso(product.updated_at),
    }


def _built(product: Product) -> bytes:
    """The cache entry of a product loaded with `_detail_queryset`; notes its variants'
    product (for `variant_products_cached`) on the way."""
    detail = product_detail_build(product)
    cache_set_many(
        {_VARIANT_PRODUCT.format(v["id"]): str(product.id).encode() for v in detail["variants"]},
        timeout=_VARIANT_PRODUCT_SECONDS,
    )
    return product.status.encode() + b"\n" + render_json(detail)


def variant_products_cached(variant_ids: Iterable[UUID]) -> dict[UUID, UUID]:
    """{variant id: product id} for the variants whose product's detail was built lately
    (one round trip); the others are absent."""
    keys = {variant_id: _VARIANT_PRODUCT.format(variant_id) for variant_id in variant_ids}
    found = cache_get_many(keys.values())
    return {v: UUID(found[key].decode()) for v, key in keys.items() if key in found}


def _detail_entry(product_id: UUID) -> tuple[str, bytes]:
    """(status, rendered detail) of a product, read through the cache. The entry is stored as
    `<status>\n<json>` (compact JSON has no raw newline), so a hit needs no unpickling."""
    key = _KEY.format(product_id)
    entry = cache_get(key, l1=True)
    if entry is None:
        seen = guard_read(_GUARD.format(product_id))
        product = _detail_queryset().filter(id=product_id).first()
        if product is None:
            raise ProductNotFound()
        entry = _built(product)
        cache_fill(
            key,
            entry,
            guard=_GUARD.format(product_id),
            seen=seen,
            timeout=settings.PRODUCT_CACHE_SECONDS,
        )
    status, _, body = entry.partition(b"\n")
    return status.decode(), body


def product_detail_body(*, product_id: UUID | str, include_hidden: bool = False) -> bytes:
    """The API detail of a product as rendered JSON, from the cache when it is there.

    Draft and archived products exist only for callers with `include_hidden` (staff);
    everyone else gets `ProductNotFound`, as for an unknown id.
    """
    # Normalised, so every spelling of an id shares the entry that invalidation drops.
    status, body = _detail_entry(UUID(str(product_id)))
    if not include_hidden and status != Product.Status.ACTIVE:
        raise ProductNotFound()
    return body


def product_detail_get(*, product_id: UUID | str, include_hidden: bool = False) -> dict[str, Any]:
    """The API detail dict of a product (as `product_detail_body`, parsed)."""
    return json.loads(product_detail_body(product_id=product_id, include_hidden=include_hidden))


_ACTIVE_PREFIX = Product.Status.ACTIVE.encode() + b"\n"


def product_details_many(product_ids: Iterable[UUID | str]) -> dict[UUID, tuple[str, dict]]:
    """{product id: (status, detail dict)} of every product among `product_ids` that exists
    (shared, read-only dicts: never change them),
    whatever its status, read through the same cache entries as the detail endpoint (what
    other apps price and check availability from): the cached ones in one round trip (none
    with their L1 copies), the others from the database in a fixed number of queries (four,
    however many) and cached under their guards."""
    ids = {UUID(str(product_id)) for product_id in product_ids}
    entries = cache_get_many([_KEY.format(product_id) for product_id in ids], l1=True)
    found: dict[UUID, bytes] = {}
    for product_id in ids:
        if (entry := entries.get(_KEY.format(product_id))) is not None:
            found[product_id] = entry
    missing = ids - found.keys()
    if missing:
        guards = {product_id: _GUARD.format(product_id) for product_id in missing}
        # Noted before the database is read: a change committed since then refuses the fill.
        seen = guards_read_many(guards.values())
        for product in _detail_queryset().filter(id__in=missing):
            entry = _built(product)
            found[product.id] = entry
            guard = guards[product.id]
            cache_fill(
                _KEY.format(product.id),
                entry,
                guard=guard,
                seen=seen[guard] if seen is not None else None,
                timeout=settings.PRODUCT_CACHE_SECONDS,
            )
    result = {}
    for product_id, entry in found.items():
        parsed = _parsed.get(product_id)
        if parsed is None or parsed[0] is not entry:  # an L1 hit is the very same bytes
            status, _, body = entry.partition(b"\n")
            parsed = (entry, (status.decode(), json.loads(body)))
            if len(_parsed) >= _PARSED_MAX:
                _parsed.clear()
            _parsed[product_id] = parsed
        result[product_id] = parsed[1]
    return result


# The parsed form of the entries this process read last (details are read-only once built).
_parsed: dict[UUID, tuple[bytes, tuple[str, dict]]] = {}
_PARSED_MAX = 5_000


def product_detail_cached_body(*, product_id: UUID | str) -> bytes | None:
    """The rendered detail of an ACTIVE product if it is in the cache, else None; never
    touches the database (the anonymous fast path)."""
    entry = cache_get(_KEY.format(product_id), l1=True)
    if entry is None or not entry.startswith(_ACTIVE_PREFIX):
        return None
    return entry[len(_ACTIVE_PREFIX) :]


def product_cache_invalidate(product_ids: Iterable[UUID | str], *, listing: bool = True) -> None:
    """Drop the cached details now (prefer the on-commit variant inside a transaction), and
    with `listing` also every cached product list page (what lists show changed)."""
    ids = [UUID(str(product_id)) for product_id in product_ids]
    for start in range(0, len(ids), 1000):
        batch = ids[start : start + 1000]
        guards_bump(
            [_GUARD.format(product_id) for product_id in batch],
            drop=[_KEY.format(product_id) for product_id in batch],
        )
    if listing:
        product_lists_invalidate()


def product_cache_invalidate_on_commit(
    product_ids: Iterable[UUID | str], *, listing: bool = True
) -> None:
    """Drop the cached details once the current transaction commits (now if there is none).

    After commit, so a concurrent reader cannot re-cache the old rows between our delete
    and our commit; the guards stop a reader that loaded them before it (shop.read_cache).
    `listing=False` when nothing a list shows changed (e.g. a variant's available count).
    """
    ids = tuple(str(product_id) for product_id in product_ids)
    if ids:
        # Best effort (robust, not the outbox): a drop lost to a Redis outage leaves an entry
        # at most PRODUCT_CACHE_SECONDS old, and must never fail the committed write.
        transaction.on_commit(
            functools.partial(product_cache_invalidate, ids, listing=listing), robust=True
        )
