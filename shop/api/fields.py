"""Serializer fields shared by every app's API."""

from __future__ import annotations

import re

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers


class StrictIntegerField(serializers.IntegerField):
    """A JSON integer only: "5", 5.0 and true are rejected rather than coerced."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class _StrictString:
    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictCharField(_StrictString, serializers.CharField):
    """A JSON string only: 5 and 5.0 are refused rather than turned into "5" (the schema says
    string, and a client that sends a number has a bug worth hearing about)."""


class StrictRegexField(_StrictString, serializers.RegexField):
    """A RegexField that takes JSON strings only (see StrictCharField)."""


class StrictBooleanField(serializers.BooleanField):
    """A JSON true or false only: "yes", 1 and "false" are refused rather than read."""

    default_error_messages = {"invalid": "Must be true or false."}

    def to_internal_value(self, data):
        if not isinstance(data, bool):
            self.fail("invalid")
        return data


MONEY_PATTERN = r"^-?[0-9]{1,10}(\.[0-9]{1,2})?$"


@extend_schema_field(
    {"type": "string", "format": "decimal", "pattern": MONEY_PATTERN, "example": "29.99"}
)
class MoneyField(serializers.DecimalField):
    """An amount as a decimal string ("29.99", API.md), exactly as the schema's pattern says:
    up to ten digits, optionally a point and one or two decimals. A JSON number is refused (a
    float cannot carry cents exactly), and so are "", " 5", "+5", "1e3" that Decimal reads."""

    default_error_messages = {
        "invalid": 'Send the amount as a decimal string with at most two decimals, e.g. "29.99".'
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("max_digits", 12)
        kwargs.setdefault("decimal_places", 2)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, str) or not _MONEY.match(data):
            self.fail("invalid")
        return super().to_internal_value(data)


_MONEY = re.compile(MONEY_PATTERN.replace("$", r"\Z"))


class QueryBooleanField(serializers.BooleanField):
    """A query-string boolean: exactly `true` or `false` (API.md, `in_stock=true|false`);
    DRF would also read yes/on/1/null, none of which the schema's boolean admits. Absent or
    empty means not given."""

    default_error_messages = {"invalid": "Must be true or false."}

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("default", None)
        kwargs.setdefault("allow_null", True)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if isinstance(data, bool):
            return data
        if data in ("true", "false"):
            return data == "true"
        self.fail("invalid")

    def validate_empty_values(self, data):
        if data in ("null", "Null", "NULL"):
            self.fail("invalid")  # DRF would read these as null, i.e. "not given"
        return super().validate_empty_values(data)
