"""Orders in a given status, for tests of what may happen next (no stock behind them)."""

from __future__ import annotations

import uuid
from decimal import Decimal

import factory

from apps.orders.models import Order, OrderLine
from apps.orders.numbers import order_number_new
from tests.orders.conftest import ADDRESS


class OrderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Order
        skip_postgeneration_save = True

    order_number = factory.LazyFunction(order_number_new)
    user_id = factory.LazyFunction(uuid.uuid4)
    email = factory.Sequence(lambda n: f"buyer{n}@example.com")
    status = "confirmed"
    currency = "USD"
    subtotal = Decimal("20.00")
    discount = Decimal("0.00")
    shipping = Decimal("5.00")
    tax = Decimal("0.00")
    total = Decimal("25.00")
    shipping_address = factory.LazyFunction(lambda: dict(ADDRESS))
    billing_address = factory.LazyFunction(lambda: dict(ADDRESS))
    shipping_method = "standard"
    shipping_method_name = "Standard"

    @factory.post_generation
    def line(obj, create, extracted, **kwargs):
        if create:
            OrderLine.objects.create(
                order=obj,
                position=1,
                variant_id=uuid.uuid4(),
                product_id=uuid.uuid4(),
                sku="SKU-1",
                name="Thing",
                unit_price=Decimal("20.00"),
                quantity=1,
                discount=Decimal("0.00"),
                total_price=Decimal("20.00"),
            )
