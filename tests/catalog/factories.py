import uuid
from decimal import Decimal

import factory

from apps.catalog.models import Brand, Category, Product, Variant


class BrandFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Brand

    name = factory.Sequence(lambda n: f"Brand {n}")
    slug = factory.Sequence(lambda n: f"brand-{n}")


class CategoryFactory(factory.django.DjangoModelFactory):
    """A root category by default; pass `parent=` for a child (path and level follow)."""

    class Meta:
        model = Category

    name = factory.Sequence(lambda n: f"Category {n}")
    slug = factory.Sequence(lambda n: f"category-{n}")
    parent = None
    level = factory.LazyAttribute(lambda o: o.parent.level + 1 if o.parent else 0)
    path = factory.LazyAttribute(lambda o: f"{o.parent.path if o.parent else '/'}{o.slug}/")


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    sku = factory.Sequence(lambda n: f"SKU-{n:06d}")
    slug = factory.Sequence(lambda n: f"product-{n}")
    name = factory.Sequence(lambda n: f"Product {n}")
    description = factory.Faker("sentence")
    brand = factory.SubFactory(BrandFactory)
    category = factory.SubFactory(CategoryFactory)
    base_price = Decimal("20.00")
    price = factory.SelfAttribute("base_price")
    status = Product.Status.ACTIVE


class VariantFactory(factory.django.DjangoModelFactory):
    """A variant; `price` follows the product's base price and the adjustment."""

    class Meta:
        model = Variant

    product = factory.SubFactory(ProductFactory)
    sku = factory.Sequence(lambda n: f"VAR-{n:06d}")
    attributes = factory.Dict({"size": "M"})
    price_adjustment = Decimal("0.00")
    price = factory.LazyAttribute(lambda o: o.product.base_price + o.price_adjustment)


def product_via_services(
    *,
    category=None,
    brand=None,
    sku: str | None = None,
    base_price: str = "20.00",
    variants=None,
    status: str = Product.Status.ACTIVE,
    name: str | None = None,
    **extra,
):
    """A product created the way the API does (denormalized fields and events right)."""
    from apps.catalog.services import product_create

    category = category or CategoryFactory()
    sku = sku or f"P-{uuid.uuid4().hex[:10].upper()}"
    return product_create(
        sku=sku,
        name=name or f"Product {sku}",
        category_id=category.id,
        brand_id=brand.id if brand else None,
        base_price=Decimal(base_price),
        status=status,
        variants=variants,
        **extra,
    )
