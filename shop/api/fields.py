"""Serializer fields shared by every app's API."""

from __future__ import annotations

from rest_framework import serializers


class StrictIntegerField(serializers.IntegerField):
    """A JSON integer only: "5", 5.0 and true are rejected rather than coerced."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictCharField(serializers.CharField):
    """A JSON string only: 5 and 5.0 are refused rather than turned into "5" (the schema says
    string, and a client that sends a number has a bug worth hearing about)."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictBooleanField(serializers.BooleanField):
    """A JSON true or false only: "yes", 1 and "false" are refused rather than read."""

    default_error_messages = {"invalid": "Must be true or false."}

    def to_internal_value(self, data):
        if not isinstance(data, bool):
            self.fail("invalid")
        return data


class MoneyField(serializers.DecimalField):
    """An amount as a decimal string ("29.99", API.md): a JSON number is refused, as a float
    cannot carry cents exactly. Twelve digits, two places, like the price columns."""

    default_error_messages = {"invalid": 'Send the amount as a decimal string, e.g. "29.99".'}

    def __init__(self, **kwargs):
        kwargs.setdefault("max_digits", 12)
        kwargs.setdefault("decimal_places", 2)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)
