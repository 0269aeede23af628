"""Cart API bodies: inputs are parsed here, every rule is checked in apps.cart.services."""

from __future__ import annotations

from django.conf import settings
from rest_framework import serializers

from shop.api.fields import StrictIntegerField
from shop.api.schema import CART_TOKEN_PATTERN


def _money(**kwargs) -> serializers.DecimalField:
    # Output only: two places, and no digit limit — a line of 99 units at a 12-digit catalog
    # price (or a cart of such lines) has more digits than any one price.
    return serializers.DecimalField(max_digits=None, decimal_places=2, **kwargs)


def _quantity(minimum: int, help_text: str) -> StrictIntegerField:
    # The bounds also reach the schema; the service checks the line's resulting quantity.
    return StrictIntegerField(
        min_value=minimum, max_value=settings.CART_MAX_LINE_QUANTITY, help_text=help_text
    )


class CartItemAddSerializer(serializers.Serializer):
    variant_id = serializers.UUIDField()
    quantity = _quantity(1, "1 to CART_MAX_LINE_QUANTITY (99 by default)")


class CartItemUpdateSerializer(serializers.Serializer):
    quantity = _quantity(0, "0 removes the line")


class CartCouponSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=50)


class CartCouponRemoveSerializer(serializers.Serializer):
    # The cart holds one coupon, so DELETE takes it off whatever `code` says.
    code = serializers.CharField(max_length=50, required=False)


class CartMergeSerializer(serializers.Serializer):
    cart_token = serializers.RegexField(
        CART_TOKEN_PATTERN,
        help_text="The anonymous cart's token (its X-Cart-Token).",
        error_messages={"invalid": "Not a cart token."},
    )


class CartItemSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    product_id = serializers.UUIDField()
    variant_id = serializers.UUIDField()
    sku = serializers.CharField()
    name = serializers.CharField()
    quantity = serializers.IntegerField()
    unit_price = _money()
    current_price = _money(allow_null=True)
    price_changed = serializers.BooleanField()
    line_total = _money()
    available = serializers.BooleanField(
        help_text="False when the variant is gone or its product is not for sale; such a "
        "line counts in no total."
    )


class CartPromotionSerializer(serializers.Serializer):
    id = serializers.UUIDField(allow_null=True)
    name = serializers.CharField()
    applied = serializers.BooleanField()
    reason = serializers.CharField(allow_null=True)
    amount = _money()


class CartSerializer(serializers.Serializer):
    token = serializers.CharField(
        allow_null=True, help_text="The anonymous cart's token; null for a signed-in user."
    )
    version = serializers.IntegerField()
    items = CartItemSerializer(source="lines", many=True)
    coupon_code = serializers.CharField(allow_null=True)
    promotions = CartPromotionSerializer(many=True)
    subtotal = _money()
    discount = _money()
    free_shipping = serializers.BooleanField()
    total = _money()


# --- The cart's body without the serializer machinery ----------------------------------------
# What CartSerializer(cart).data gives, field for field (the serializer stays the schema; a
# test compares both), built directly: DRF's serializers deep-copy their fields on every use,
# which cost more than the rest of a cart GET.

_MONEY = _money()
_MONEY_OR_NULL = _money(allow_null=True)


def _amount(value) -> str:
    return _MONEY.to_representation(value)


def cart_body(cart) -> dict:
    """CartSerializer(cart).data, built directly (a cart GET's and every mutation's body)."""
    return {
        "token": cart.token,
        "version": int(cart.version),
        "items": [
            {
                "id": str(line.id),
                "product_id": str(line.product_id),
                "variant_id": str(line.variant_id),
                "sku": str(line.sku),
                "name": str(line.name),
                "quantity": int(line.quantity),
                "unit_price": _amount(line.unit_price),
                "current_price": None
                if line.current_price is None
                else _MONEY_OR_NULL.to_representation(line.current_price),
                "price_changed": bool(line.price_changed),
                "line_total": _amount(line.line_total),
                "available": bool(line.available),
            }
            for line in cart.lines
        ],
        "coupon_code": None if cart.coupon_code is None else str(cart.coupon_code),
        "promotions": [
            {
                "id": None if promotion.id is None else str(promotion.id),
                "name": str(promotion.name),
                "applied": bool(promotion.applied),
                "reason": None if promotion.reason is None else str(promotion.reason),
                "amount": _amount(promotion.amount),
            }
            for promotion in cart.promotions
        ],
        "subtotal": _amount(cart.subtotal),
        "discount": _amount(cart.discount),
        "free_shipping": bool(cart.free_shipping),
        "total": _amount(cart.total),
    }
