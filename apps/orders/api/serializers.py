"""Orders API bodies: inputs are parsed here, every rule is checked in apps.orders.services."""

from __future__ import annotations

from decimal import Decimal

from rest_framework import serializers

from apps.orders.state_machine import Status


def _money(**kwargs) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=None, decimal_places=2, **kwargs)


class CheckoutSerializer(serializers.Serializer):
    shipping_address_id = serializers.UUIDField(required=False, allow_null=True)
    shipping_address = serializers.JSONField(
        required=False,
        allow_null=True,
        help_text="An inline address {full_name, address_line1, address_line2?, city, state?, "
        "postal_code?, country (ISO 3166-1 alpha-2), phone?}, instead of shipping_address_id",
    )
    billing_address_id = serializers.UUIDField(required=False, allow_null=True)
    billing_address = serializers.JSONField(
        required=False, allow_null=True, help_text="Defaults to the shipping address"
    )
    shipping_method = serializers.CharField(max_length=32, help_text="standard, express, …")
    coupon_code = serializers.CharField(
        max_length=50,
        required=False,
        allow_null=True,
        allow_blank=True,
        help_text="Instead of the cart's coupon",
    )


class QuoteLineSerializer(serializers.Serializer):
    variant_id = serializers.UUIDField()
    product_id = serializers.UUIDField()
    sku = serializers.CharField()
    name = serializers.CharField()
    quantity = serializers.IntegerField()
    unit_price = _money()
    discount = _money()
    total_price = _money()


class PromotionExplanationSerializer(serializers.Serializer):
    id = serializers.UUIDField(allow_null=True)
    name = serializers.CharField()
    applied = serializers.BooleanField()
    reason = serializers.CharField(allow_null=True)
    amount = _money()


class QuoteSerializer(serializers.Serializer):
    subtotal = _money()
    discount = _money()
    shipping = _money()
    tax = _money()
    total = _money()
    currency = serializers.CharField()
    shipping_method = serializers.CharField()
    free_shipping = serializers.BooleanField()
    coupon_code = serializers.CharField(allow_null=True)
    lines = QuoteLineSerializer(many=True)
    promotions = PromotionExplanationSerializer(source="discounts.explanations", many=True)


class OrderItemSerializer(serializers.Serializer):
    variant_id = serializers.UUIDField()
    product_id = serializers.UUIDField()
    sku = serializers.CharField()
    name = serializers.CharField()
    quantity = serializers.IntegerField()
    unit_price = _money()
    discount = _money()
    total_price = _money(help_text="unit_price × quantity − discount")


class OrderHistorySerializer(serializers.Serializer):
    status = serializers.CharField()
    from_status = serializers.CharField(
        help_text="the status before; the same as `status` for a note that is no transition "
        "(e.g. a declined payment attempt)"
    )
    note = serializers.CharField()
    actor = serializers.CharField(help_text="customer | staff | system")
    created_at = serializers.DateTimeField()


class AddressSnapshotSerializer(serializers.Serializer):
    full_name = serializers.CharField()
    address_line1 = serializers.CharField()
    address_line2 = serializers.CharField()
    city = serializers.CharField()
    state = serializers.CharField()
    postal_code = serializers.CharField()
    country = serializers.CharField()
    phone = serializers.CharField()


class OrderSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    order_number = serializers.CharField()
    user_id = serializers.UUIDField()
    status = serializers.ChoiceField(choices=Status.choices)
    items = OrderItemSerializer(source="lines", many=True)
    subtotal = _money()
    discount = _money()
    shipping = _money()
    tax = _money()
    total = _money()
    currency = serializers.CharField()
    shipping_address = AddressSnapshotSerializer()
    billing_address = AddressSnapshotSerializer()
    shipping_method = serializers.CharField()
    coupon_code = serializers.CharField()
    payment_id = serializers.UUIDField(allow_null=True)
    tracking_number = serializers.CharField()
    refund_due = _money(help_text="owed back to the customer, not yet refunded")
    history = OrderHistorySerializer(many=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class PaymentHandleSerializer(serializers.Serializer):
    provider = serializers.CharField(allow_null=True)
    intent_id = serializers.CharField(allow_null=True)
    client_secret = serializers.CharField(allow_null=True)


class CheckoutResultSerializer(serializers.Serializer):
    order = OrderSerializer()
    payment = PaymentHandleSerializer(source="*")


class OrderCancelSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300, required=False, allow_blank=True)


class OrderStatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Status.choices)
    note = serializers.CharField(max_length=300, required=False, allow_blank=True)
    tracking_number = serializers.CharField(max_length=100, required=False, allow_blank=True)


class OrderFilterSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Status.choices, required=False)
    user = serializers.UUIDField(required=False, help_text="staff only")
    created_after = serializers.DateTimeField(required=False)


class ShippingMethodSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    price = _money()
    free_over = _money(allow_null=True)


class RefundLineInputSerializer(serializers.Serializer):
    variant_id = serializers.UUIDField()
    quantity = serializers.IntegerField(min_value=1)


class OrderRefundSerializer(serializers.Serializer):
    amount = _money(
        required=False, min_value=Decimal("0.01"), help_text="Or lines; never above what remains"
    )
    lines = RefundLineInputSerializer(
        many=True,
        required=False,
        help_text="Refund these units at their value (discount and tax share included)",
    )
    reason = serializers.CharField(max_length=255, required=False, allow_blank=True)

    def validate(self, attrs):
        if ("amount" in attrs) == bool(attrs.get("lines")):
            raise serializers.ValidationError({"amount": ["Give an amount or lines, not both."]})
        return attrs


class RefundLineSerializer(serializers.Serializer):
    variant_id = serializers.UUIDField()
    quantity = serializers.IntegerField()
    amount = _money()


class RefundSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    amount = _money()
    currency = serializers.CharField()
    status = serializers.ChoiceField(
        choices=["pending", "succeeded", "failed"],
        help_text="pending: the provider could not be reached yet; it is retried",
    )
    reason = serializers.CharField()
    lines = RefundLineSerializer(many=True)
    created_at = serializers.DateTimeField()


class ReturnLineInputSerializer(serializers.Serializer):
    variant_id = serializers.UUIDField()
    quantity = serializers.IntegerField(min_value=1)


class ReturnCreateSerializer(serializers.Serializer):
    lines = ReturnLineInputSerializer(many=True, allow_empty=False)
    reason = serializers.CharField(max_length=500)


class ReturnReceiveLineSerializer(serializers.Serializer):
    variant_id = serializers.UUIDField()
    quantity = serializers.IntegerField(min_value=0)
    restock = serializers.BooleanField()


class ReturnReceiveSerializer(serializers.Serializer):
    lines = ReturnReceiveLineSerializer(many=True, allow_empty=False)


class ReturnLineSerializer(serializers.Serializer):
    variant_id = serializers.UUIDField()
    quantity = serializers.IntegerField()
    received_quantity = serializers.IntegerField()
    restocked_quantity = serializers.IntegerField()


class ReturnRefundSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    amount = _money()
    status = serializers.CharField()


class ReturnSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    order_id = serializers.UUIDField()
    status = serializers.ChoiceField(choices=["requested", "received"])
    reason = serializers.CharField()
    lines = ReturnLineSerializer(many=True)
    refund = ReturnRefundSerializer(allow_null=True)
    created_at = serializers.DateTimeField()
    received_at = serializers.DateTimeField(allow_null=True)
