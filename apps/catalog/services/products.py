"""Product writes and the product list query.

Denormalized fields are kept here and only here: a variant's `price` (base + adjustment), the
product's `price` (lowest variant price) and `in_stock` (any variant in stock). Every write
publishes `product.created|updated|deleted` in its own transaction and drops the cached detail
on commit. The payload is `{"id": <product id>}`, or `{"ids": [...]}` for a change that touches
many products at once (`products_updated_publish`).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.db import IntegrityError, transaction
from django.db.models import Exists, F, Min, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.text import slugify

from apps.catalog.exceptions import InvalidProduct, ProductNotFound
from apps.catalog.models import (
    Brand,
    Category,
    Product,
    ProductAttribute,
    ProductImage,
    Variant,
)
from apps.catalog.services.detail import product_cache_invalidate_on_commit
from shop import events

UNSET: Any = object()  # "not given" in partial updates, distinct from None
ZERO = Decimal("0.00")
ORDERINGS = {
    "price": ("price", "id"),
    "-price": ("-price", "id"),
    "name": ("name", "id"),
    "-created_at": ("-created_at", "-id"),
    "-rating": ("-rating", "-num_reviews", "id"),
}
STATUSES = {choice.value for choice in Product.Status}
# The largest amount a price column holds (numeric(12, 2)); beyond it PostgreSQL refuses.
MAX_PRICE = Decimal("9999999999.99")
ATTRIBUTE_NAME_MAX = 100  # ProductAttribute.name


# --- reads -----------------------------------------------------------------------------


def products_filter(
    *,
    include_hidden: bool = False,
    category_id: UUID | None = None,
    brand_id: UUID | None = None,
    min_price: Decimal | None = None,
    max_price: Decimal | None = None,
    in_stock: bool | None = None,
    status: str | None = None,
    ordering: str | None = None,
) -> QuerySet[Product]:
    """The product list (our API and admin): filtered, ordered, with brand, category and the
    first image's file name (`image`) loaded in the same single query.

    Without `include_hidden` (non-staff) only active products are listed and `status` is
    ignored. `category_id` includes the category's descendants; price bounds are inclusive.
    """
    products = Product.objects.select_related("brand", "category").annotate(
        image=Subquery(
            ProductImage.objects.filter(product=OuterRef("pk"))
            .order_by("position", "id")
            .values("image")[:1]
        )
    )
    if not include_hidden:
        products = products.filter(status=Product.Status.ACTIVE)
    elif status:
        products = products.filter(status=status)
    if category_id is not None:
        subtree = Category.objects.filter(
            path__startswith=Subquery(Category.objects.filter(id=category_id).values("path"))
        )
        products = products.filter(category_id__in=subtree.values("id"))
    if brand_id is not None:
        products = products.filter(brand_id=brand_id)
    if min_price is not None:
        products = products.filter(price__gte=min_price)
    if max_price is not None:
        products = products.filter(price__lte=max_price)
    if in_stock is not None:
        products = products.filter(in_stock=in_stock)
    return products.order_by(*ORDERINGS.get(ordering or "-created_at", ORDERINGS["-created_at"]))


def catalog_has_products() -> bool:
    """Whether any product exists (e.g. `seed_demo --if-empty`)."""
    return Product.objects.exists()


# --- validation ------------------------------------------------------------------------


def _variant_errors(count: int) -> dict[int, dict[str, list[str]]]:
    # DRF's shape for a nested list (LIST_SERIALIZER_ERRORS_AS_DICT): {index: {field: [..]}},
    # so `details.variants` reads the same whether the serializer or this service refused.
    return {index: {} for index in range(count)}


def _integrity_error(exc: IntegrityError) -> InvalidProduct:
    """Map a unique violation lost to a concurrent writer onto the same 400 as our checks."""
    constraint = getattr(getattr(exc.__cause__, "diag", None), "constraint_name", "") or ""
    if "variant" in constraint and "sku" in constraint:
        return InvalidProduct(details={"variants": ["A variant with this SKU already exists."]})
    if "product" in constraint and "sku" in constraint:
        return InvalidProduct(details={"sku": ["A product with this SKU already exists."]})
    if "slug" in constraint:
        return InvalidProduct(details={"slug": ["A product with this slug already exists."]})
    if "price" in constraint:
        return InvalidProduct(details={"base_price": ["Prices cannot be negative."]})
    raise exc


def _product_slug(name: str, sku: str, *, exclude_id: UUID | None = None) -> str:
    base = slugify(f"{name}-{sku}")[:240] or uuid.uuid4().hex[:12]
    taken = Product.objects.filter(slug=base)
    if exclude_id is not None:
        taken = taken.exclude(id=exclude_id)
    return f"{base}-{uuid.uuid4().hex[:8]}" if taken.exists() else base


def _check_references(
    errors: dict[str, Any], *, category_id: Any = UNSET, brand_id: Any = UNSET
) -> None:
    if category_id is not UNSET and not Category.objects.filter(id=category_id).exists():
        errors["category_id"] = [f"Unknown category {category_id}."]
    if (
        brand_id is not UNSET
        and brand_id is not None
        and not Brand.objects.filter(id=brand_id).exists()
    ):
        errors["brand_id"] = [f"Unknown brand {brand_id}."]


def _check_status(errors: dict[str, Any], status: Any) -> None:
    if status is not UNSET and status not in STATUSES:
        errors["status"] = [f"Must be one of {', '.join(sorted(STATUSES))}."]


def _plan_variants(
    product: Product | None,
    *,
    base_price: Decimal,
    items: Sequence[dict[str, Any]],
    errors: dict[str, Any],
) -> tuple[list[Variant], list[Variant]]:
    """Validate the nested variants and return (changed existing, new) unsaved rows.

    A variant with `id` must belong to the product and is changed; one without is added.
    Checks: SKUs unique in the request and in the database, prices not negative (including
    existing variants left untouched when the base price changes).
    """
    existing = {v.id: v for v in product.variants.select_for_update()} if product else {}
    item_errors = _variant_errors(len(items))
    changed: list[Variant] = []
    new: list[Variant] = []
    position = max((v.position for v in existing.values()), default=-1) + 1
    mentioned: set[UUID] = set()
    for index, item in enumerate(items):
        variant_id = item.get("id")
        if variant_id is not None:
            variant = existing.get(UUID(str(variant_id)))
            if variant is None:
                item_errors[index]["id"] = ["No such variant on this product."]
                continue
            if variant.id in mentioned:
                # Two changes to one variant: which should win is anyone's guess.
                item_errors[index]["id"] = ["This variant appears twice in this request."]
                continue
            mentioned.add(variant.id)
            changed.append(variant)
        else:
            if not item.get("sku"):
                item_errors[index]["sku"] = ["This field is required."]
                continue
            variant = Variant(product=product, position=position)
            position += 1
            new.append(variant)
        if "sku" in item and item["sku"]:
            variant.sku = item["sku"]
        if "attributes" in item and item["attributes"] is not None:
            if not _storable(item["attributes"]):
                item_errors[index]["attributes"] = [UNSTORABLE_MESSAGE]
            variant.attributes = item["attributes"]
        if "price_adjustment" in item and item["price_adjustment"] is not None:
            variant.price_adjustment = Decimal(item["price_adjustment"])
        variant.price = base_price + variant.price_adjustment
        if variant.price < 0:
            item_errors[index]["price_adjustment"] = [
                f"Makes the price negative ({variant.price})."
            ]
        elif variant.price > MAX_PRICE:
            item_errors[index]["price_adjustment"] = [f"Makes the price exceed {MAX_PRICE}."]

    touched = {v.id for v in changed}
    for variant in existing.values():
        if variant.id in touched:
            continue
        if base_price + variant.price_adjustment < 0:
            errors.setdefault("base_price", []).append(
                f"Makes the price of variant {variant.sku} negative."
            )
        elif base_price + variant.price_adjustment > MAX_PRICE:
            errors.setdefault("base_price", []).append(
                f"Makes the price of variant {variant.sku} exceed {MAX_PRICE}."
            )

    # SKU uniqueness: within the request, then against every other variant in the database.
    seen: dict[str, int] = {}
    for index, item in enumerate(items):
        sku = item.get("sku")
        if not sku:
            continue
        if sku in seen:
            item_errors[index].setdefault("sku", []).append("Duplicate SKU in this request.")
        seen[sku] = index
    owners = {v.sku: v.id for v in [*changed, *new] if v.sku}
    clashes = Variant.objects.filter(sku__in=list(owners)).values_list("sku", "id")
    for sku, owner_id in clashes:
        if owners[sku] != owner_id:
            item_errors[seen[sku]].setdefault("sku", []).append(
                "A variant with this SKU already exists."
            )
    failing = {index: messages for index, messages in item_errors.items() if messages}
    if failing:
        errors["variants"] = failing
    return changed, new


UNSTORABLE_MESSAGE = "Text may not contain NUL (\\u0000) characters or lone surrogates."


def _storable(value: Any) -> bool:
    """Whether PostgreSQL can store `value` (text or JSON, nested): no NUL character, which
    neither text nor jsonb accepts, and valid UTF-8 (no lone surrogate)."""
    if isinstance(value, str):
        if "\x00" in value:
            return False
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return False
        return True
    if isinstance(value, dict):
        return all(_storable(key) and _storable(item) for key, item in value.items())
    if isinstance(value, (list, tuple)):
        return all(_storable(item) for item in value)
    return True


def _check_attributes(errors: dict[str, Any], attributes: Any) -> None:
    """Names are stored in a 100-character column, unique per product: refuse what would be
    cut short (and so could collide) or blank, rather than store something else; names and
    values must be storable (no NUL)."""
    if attributes is UNSET or not attributes:
        return
    if not _storable(attributes):
        errors["attributes"] = [UNSTORABLE_MESSAGE]
        return
    problems = {
        str(name): [f"An attribute name must be 1 to {ATTRIBUTE_NAME_MAX} characters."]
        for name in attributes
        if not str(name).strip() or len(str(name)) > ATTRIBUTE_NAME_MAX
    }
    if problems:
        errors["attributes"] = problems


def _raise_if(errors: dict[str, Any]) -> None:
    if errors:
        raise InvalidProduct(details=errors)


# --- writes ----------------------------------------------------------------------------


def _attributes_replace(product: Product, attributes: dict[str, Any]) -> None:
    ProductAttribute.objects.filter(product=product).delete()
    ProductAttribute.objects.bulk_create(
        ProductAttribute(product=product, name=str(name)[:100], value=str(value)[:500])
        for name, value in attributes.items()
    )


def product_prices_refresh(*, product_id: UUID) -> None:
    """Recompute the denormalized prices and stock flag of one product in SQL.

    Variant `price` = product `base_price` + `price_adjustment`; product `price` = the lowest
    variant price (its base price when it has no variant); `in_stock` = any variant in stock.
    Call inside the transaction that changed the product or its variants.
    """
    base = Product.objects.filter(id=product_id).values("base_price")
    Variant.objects.filter(product_id=product_id).update(
        price=Subquery(base) + F("price_adjustment")
    )
    variants = Variant.objects.filter(product_id=OuterRef("pk"))
    Product.objects.filter(id=product_id).update(
        price=Coalesce(
            Subquery(
                variants.order_by().values("product_id").annotate(low=Min("price")).values("low")
            ),
            F("base_price"),
        ),
        in_stock=Exists(variants.filter(in_stock=True)),
    )


def _changed(product: Product, event: str) -> None:
    events.publish(event, {"id": str(product.id)})
    product_cache_invalidate_on_commit([product.id])


# Ids per bulk `product.updated` event: a category move can touch tens of thousands of
# products, and one event per chunk keeps each outbox row and message small.
UPDATED_CHUNK = 500


def products_updated_publish(*, product_ids: Iterable[UUID]) -> int:
    """Publish `product.updated` for many products at once, as `{"ids": [...]}` events of at
    most UPDATED_CHUNK ids (a single product's event is `{"id": ...}`). For changes made
    outside the product row that products show: a category moved or renamed, a brand renamed.
    Call inside the transaction of the change; returns the number of events written."""
    ids = sorted({str(product_id) for product_id in product_ids})
    chunks = [ids[start : start + UPDATED_CHUNK] for start in range(0, len(ids), UPDATED_CHUNK)]
    events.publish_many(("product.updated", {"ids": chunk}) for chunk in chunks)
    return len(chunks)


def product_create(
    *,
    sku: str,
    name: str,
    category_id: UUID,
    base_price: Decimal,
    description: str = "",
    brand_id: UUID | None = None,
    status: str = Product.Status.ACTIVE,
    attributes: dict[str, Any] | None = None,
    variants: Sequence[dict[str, Any]] | None = None,
) -> Product:
    """Create a product with its variants (`[{sku, attributes, price_adjustment}]`).

    Without variants one default variant with the product's SKU is made. New variants are out
    of stock until inventory says otherwise (`stock.changed`). Publishes `product.created`.
    Raises `InvalidProduct` (details per field) for a negative price, an unknown category or
    brand, a bad status or a duplicate SKU, writing nothing.
    """
    base_price = Decimal(base_price)
    errors: dict[str, Any] = {}
    if base_price < 0:
        errors["base_price"] = ["Must not be negative."]
    _check_status(errors, status)
    _check_attributes(errors, attributes)
    try:
        with transaction.atomic():
            _check_references(errors, category_id=category_id, brand_id=brand_id)
            if Product.objects.filter(sku=sku).exists():
                errors["sku"] = ["A product with this SKU already exists."]
            items = list(variants or [])
            if not items:
                if Variant.objects.filter(sku=sku).exists():
                    errors.setdefault("sku", []).append("A variant with this SKU already exists.")
                items = [{"sku": sku, "attributes": {}, "price_adjustment": ZERO}]
            _, new = _plan_variants(None, base_price=base_price, items=items, errors=errors)
            _raise_if(errors)
            product = Product.objects.create(
                sku=sku,
                slug=_product_slug(name, sku),
                name=name,
                description=description or "",
                category_id=category_id,
                brand_id=brand_id,
                base_price=base_price,
                price=min(v.price for v in new),
                status=status,
            )
            for variant in new:
                variant.product = product
            Variant.objects.bulk_create(new)
            if attributes:
                _attributes_replace(product, attributes)
            _changed(product, "product.created")
    except IntegrityError as exc:
        raise _integrity_error(exc) from exc
    return product


def product_update(
    *,
    product_id: UUID,
    sku: str = UNSET,
    name: str = UNSET,
    description: str = UNSET,
    category_id: UUID = UNSET,
    brand_id: UUID | None = UNSET,
    base_price: Decimal = UNSET,
    status: str = UNSET,
    attributes: dict[str, Any] = UNSET,
    variants: Sequence[dict[str, Any]] = UNSET,
) -> Product:
    """Change the given fields of a product (PUT passes them all, PATCH some).

    `variants`: an item with `id` changes that variant, one without adds a variant; variants
    not mentioned are kept (order history and stock refer to them). `attributes` replaces the
    whole set. Prices are recomputed; publishes `product.updated` (`product.deleted` when the
    status becomes archived). Raises `ProductNotFound`, or `InvalidProduct` as for create.
    """
    try:
        with transaction.atomic():
            product = Product.objects.select_for_update().filter(id=product_id).first()
            if product is None:
                raise ProductNotFound()
            was_archived = product.status == Product.Status.ARCHIVED
            errors: dict[str, Any] = {}
            if base_price is not UNSET:
                base_price = Decimal(base_price)
                if base_price < 0:
                    errors["base_price"] = ["Must not be negative."]
            new_base = product.base_price if base_price is UNSET else base_price
            _check_status(errors, status)
            _check_attributes(errors, attributes)
            _check_references(errors, category_id=category_id, brand_id=brand_id)
            if (
                sku is not UNSET
                and sku != product.sku
                and Product.objects.filter(sku=sku).exclude(id=product.id).exists()
            ):
                errors["sku"] = ["A product with this SKU already exists."]
            changed, new = _plan_variants(
                product,
                base_price=new_base,
                items=[] if variants is UNSET else list(variants),
                errors=errors,
            )
            _raise_if(errors)

            fields = {
                "sku": sku,
                "name": name,
                "description": description,
                "category_id": category_id,
                "brand_id": brand_id,
                "base_price": base_price,
                "status": status,
            }
            if fields["description"] is None:
                fields["description"] = ""
            for field, value in fields.items():
                if value is not UNSET:
                    setattr(product, field, value)
            product.save()
            if changed:
                Variant.objects.bulk_update(changed, ["sku", "attributes", "price_adjustment"])
            Variant.objects.bulk_create(new)
            if attributes is not UNSET:
                _attributes_replace(product, attributes or {})
            product_prices_refresh(product_id=product.id)
            archived = product.status == Product.Status.ARCHIVED and not was_archived
            _changed(product, "product.deleted" if archived else "product.updated")
    except IntegrityError as exc:
        raise _integrity_error(exc) from exc
    product.refresh_from_db()
    return product


def product_archive(*, product_id: UUID) -> None:
    """Archive a product (DELETE in the API): it disappears from the storefront but stays
    for order history. Publishes `product.deleted`. Raises `ProductNotFound`."""
    with transaction.atomic():
        product = Product.objects.select_for_update().filter(id=product_id).first()
        if product is None:
            raise ProductNotFound()
        if product.status != Product.Status.ARCHIVED:
            product.status = Product.Status.ARCHIVED
            product.save(update_fields=["status", "updated_at"])
        _changed(product, "product.deleted")


def products_status_set(*, product_ids: Iterable[UUID], status: str) -> int:
    """Set the status of many products at once (admin bulk actions); returns how many changed.

    Publishes one event per changed product (`product.deleted` for archived, else
    `product.updated`) and drops their cached details on commit.
    """
    if status not in STATUSES:
        raise InvalidProduct(details={"status": [f"Must be one of {', '.join(sorted(STATUSES))}."]})
    with transaction.atomic():
        ids = list(
            Product.objects.select_for_update()
            .filter(id__in=list(product_ids))
            .exclude(status=status)
            .order_by("id")
            .values_list("id", flat=True)
        )
        if not ids:
            return 0
        Product.objects.filter(id__in=ids).update(status=status, updated_at=timezone.now())
        event = "product.deleted" if status == Product.Status.ARCHIVED else "product.updated"
        for product_id in ids:
            events.publish(event, {"id": str(product_id)})
        product_cache_invalidate_on_commit(ids)
    return len(ids)


def product_saved_elsewhere(*, product_id: UUID, created: bool) -> None:
    """Bring a product saved outside these services (the Django admin's forms and inlines)
    back in line: recompute prices and stock flag, publish the event, drop the cache."""
    with transaction.atomic():
        product = Product.objects.select_for_update().get(id=product_id)
        product_prices_refresh(product_id=product_id)
        _changed(product, "product.created" if created else "product.updated")


def product_slug_for(*, name: str, sku: str, product_id: UUID | None = None) -> str:
    """A unique slug for a product (the admin uses it for new products)."""
    return _product_slug(name, sku, exclude_id=product_id)
