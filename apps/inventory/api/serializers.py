from __future__ import annotations

from rest_framework import serializers

from apps.inventory.models import StockMovement
from shop.api.fields import StrictBooleanField, StrictCharField, StrictIntegerField


class WarehouseSerializer(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    code = StrictCharField(max_length=32)
    name = StrictCharField(max_length=200)
    priority = StrictIntegerField(
        required=False, default=100, min_value=-(2**31), max_value=2**31 - 1
    )
    active = StrictBooleanField(required=False, default=True)


class StockLevelSerializer(serializers.Serializer):
    variant_id = serializers.UUIDField()
    warehouse_id = serializers.UUIDField()
    quantity = serializers.IntegerField()
    reserved = serializers.IntegerField()
    available = serializers.IntegerField()


class StockLevelFilterSerializer(serializers.Serializer):
    variant_id = serializers.UUIDField(required=False)
    warehouse_id = serializers.UUIDField(required=False)


class MovementFilterSerializer(serializers.Serializer):
    variant_id = serializers.UUIDField(required=False)
    warehouse_id = serializers.UUIDField(required=False)


class StockAdjustSerializer(serializers.Serializer):
    variant_id = serializers.UUIDField()
    warehouse_id = serializers.UUIDField()
    delta = StrictIntegerField(min_value=-(2**31), max_value=2**31 - 1)
    reason = StrictCharField(max_length=255, required=False, allow_blank=True, default="")

    def validate_delta(self, value: int) -> int:
        if value == 0:
            raise serializers.ValidationError("Must not be zero.")
        return value


class MovementSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    variant_id = serializers.UUIDField()
    warehouse_id = serializers.UUIDField()
    kind = serializers.ChoiceField(choices=StockMovement.Kind.choices)
    quantity_delta = serializers.IntegerField()
    reserved_delta = serializers.IntegerField()
    reason = serializers.CharField()
    order_id = serializers.UUIDField(allow_null=True)
    created_at = serializers.DateTimeField()
