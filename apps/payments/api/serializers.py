"""Payments API bodies."""

from __future__ import annotations

from rest_framework import serializers


class DummyOutcomeSerializer(serializers.Serializer):
    intent_id = serializers.CharField()
    status = serializers.CharField(help_text="requires_payment | failed | succeeded | canceled")
