"""Brands: a flat list with unique names and slugs."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils.text import slugify

from apps.catalog.exceptions import BrandNotFound, InvalidBrand
from apps.catalog.models import Brand, Product
from apps.catalog.services.detail import product_cache_invalidate_on_commit
from apps.catalog.services.products import products_updated_publish


def brands_list() -> QuerySet[Brand]:
    return Brand.objects.order_by("name", "id")


def brand_create(*, name: str, slug: str | None = None) -> Brand:
    """Create a brand; the slug defaults to the slugified name. Raises `InvalidBrand` when the
    name or slug is blank or already taken (details per field)."""
    name = (name or "").strip()
    value = slugify(slug or name)[:200]
    errors: dict[str, list[str]] = {}
    if not name:
        errors["name"] = ["This field may not be blank."]
    if not value:
        errors["slug"] = ["A slug needs at least one letter or digit."]
    try:
        with transaction.atomic():
            if name and Brand.objects.filter(name__iexact=name).exists():
                errors["name"] = ["A brand with this name already exists."]
            if value and Brand.objects.filter(slug=value).exists():
                errors["slug"] = ["A brand with this slug already exists."]
            if errors:
                raise InvalidBrand(details=errors)
            return Brand.objects.create(name=name, slug=value)
    except IntegrityError as exc:
        raise InvalidBrand(details={"name": ["A brand with this name or slug exists."]}) from exc


def brand_update(*, brand_id, name: str, slug: str) -> Brand:
    """Rename a brand (the admin); drops the cached details of its products on commit and,
    when the name changed, publishes `product.updated` (bulk) for them, so search shows the
    new name. Raises `BrandNotFound`, or `InvalidBrand` when the name or slug is taken."""
    name, value = (name or "").strip(), slugify(slug or name)[:200]
    with transaction.atomic():
        brand = Brand.objects.select_for_update().filter(id=brand_id).first()
        if brand is None:
            raise BrandNotFound()
        errors: dict[str, list[str]] = {}
        others = Brand.objects.exclude(id=brand_id)
        if not name or others.filter(name__iexact=name).exists():
            errors["name"] = ["Blank or already taken."]
        if not value or others.filter(slug=value).exists():
            errors["slug"] = ["Blank or already taken."]
        if errors:
            raise InvalidBrand(details=errors)
        renamed = brand.name != name
        brand.name, brand.slug = name, value
        brand.save(update_fields=["name", "slug"])
        product_ids = list(Product.objects.filter(brand_id=brand_id).values_list("id", flat=True))
        product_cache_invalidate_on_commit(product_ids)
        if renamed:
            products_updated_publish(product_ids=product_ids)
    return brand
