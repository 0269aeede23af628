"""Promotions API bodies: types are parsed here, every rule is checked in the services."""

from __future__ import annotations

from rest_framework import serializers

from apps.promotions import rules, services
from shop.api.fields import QueryBooleanField, StrictIntegerField


def _money(**kwargs) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=12, decimal_places=2, **kwargs)


class PromotionConditionsSerializer(serializers.Serializer):
    min_amount = _money(required=False, allow_null=True, help_text="Against the subtotal")
    categories = serializers.ListField(
        child=serializers.UUIDField(), required=False, help_text="With their descendants"
    )
    products = serializers.ListField(child=serializers.UUIDField(), required=False)
    first_time_only = serializers.BooleanField(required=False)
    buy_quantity = StrictIntegerField(required=False, help_text="bogo (default 1)")
    get_quantity = StrictIntegerField(required=False, help_text="bogo (default 1)")

    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(services.CONDITION_KEYS))
            if unknown:
                raise serializers.ValidationError({key: ["Unknown condition."] for key in unknown})
        return super().to_internal_value(data)


class PromotionWriteSerializer(serializers.Serializer):
    code = serializers.CharField(
        max_length=50,
        required=False,
        allow_null=True,
        allow_blank=True,
        help_text="A coupon code (case-insensitive); none for an automatic promotion",
    )
    name = serializers.CharField(max_length=200)
    type = serializers.ChoiceField(choices=rules.TYPES)
    value = _money(
        required=False,
        help_text="Percent (percentage; bogo: off the free units, default 100) or amount",
    )
    conditions = PromotionConditionsSerializer(required=False, allow_null=True)
    max_uses = StrictIntegerField(required=False, allow_null=True, help_text="null: unlimited")
    max_uses_per_user = StrictIntegerField(required=False, allow_null=True)
    start_date = serializers.DateTimeField(required=False, help_text="Default: now")
    end_date = serializers.DateTimeField(required=False, allow_null=True)
    active = serializers.BooleanField(required=False)
    stackable = serializers.BooleanField(required=False)
    priority = StrictIntegerField(required=False, help_text="Lower applies first")


class PromotionConditionsOutSerializer(serializers.Serializer):
    min_amount = _money(allow_null=True)
    categories = serializers.ListField(child=serializers.UUIDField())
    products = serializers.ListField(child=serializers.UUIDField())
    first_time_only = serializers.BooleanField()
    buy_quantity = serializers.IntegerField()
    get_quantity = serializers.IntegerField()


class PromotionSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    code = serializers.CharField(allow_null=True)
    name = serializers.CharField()
    type = serializers.ChoiceField(choices=rules.TYPES)
    value = _money()
    conditions = PromotionConditionsOutSerializer()
    max_uses = serializers.IntegerField(allow_null=True)
    max_uses_per_user = serializers.IntegerField(allow_null=True)
    current_uses = serializers.IntegerField(help_text="Uses by placed orders (held or paid)")
    start_date = serializers.DateTimeField()
    end_date = serializers.DateTimeField(allow_null=True)
    active = serializers.BooleanField()
    stackable = serializers.BooleanField()
    priority = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class PromotionFilterSerializer(serializers.Serializer):
    code = serializers.CharField(required=False, max_length=50)
    active = QueryBooleanField()
