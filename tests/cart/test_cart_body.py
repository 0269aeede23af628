"""The cart's body is built without the serializer: it must be exactly what it would give."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test.utils import override_settings

from apps.cart import services
from apps.cart.api.serializers import CartSerializer, cart_body
from apps.catalog.models import Product
from tests.promotions.factories import make_coupon, make_promotion

pytestmark = pytest.mark.django_db


@override_settings(CART_MAX_LINE_QUANTITY=99)
def test_cart_body_is_the_serializers_data(make_variant):
    kept, gone = make_variant("10.00"), make_variant("3.35")
    make_promotion(name="Auto", value=Decimal("5"), stackable=True)
    make_coupon("BODY", stackable=True)
    owner = services.CartOwner.for_token("t" * 43)
    services.cart_line_add(owner=owner, variant_id=kept.id, quantity=3)
    services.cart_line_add(owner=owner, variant_id=gone.id, quantity=1)
    services.cart_coupon_apply(owner=owner, code="body")
    Product.objects.filter(pk=gone.product_id).update(status=Product.Status.ARCHIVED)
    for cart in (
        services.cart_get(owner=owner),  # exact: the archived line is unavailable
        services.CartView(
            owner=services.CartOwner.for_user("00000000-0000-0000-0000-000000000001"),
            version=0,
            lines=(),
            coupon_code=None,
            promotions=(),
            subtotal=Decimal("0.00"),
            discount=Decimal("0.00"),
            free_shipping=False,
            total=Decimal("0.00"),
        ),
    ):
        assert cart_body(cart) == CartSerializer(cart).data
    assert any(not item["available"] for item in cart_body(services.cart_get(owner=owner))["items"])
