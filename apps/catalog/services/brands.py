"""Brands: a flat list with unique names and slugs."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils.text import slugify

from apps.catalog.exceptions import InvalidBrand
from apps.catalog.models import Brand


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
