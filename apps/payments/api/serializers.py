"""Payments API bodies."""

from __future__ import annotations

from rest_framework import serializers


class DummyOutcomeSerializer(serializers.Serializer):
    intent_id = serializers.CharField()
    status = serializers.CharField(help_text="requires_payment | failed | succeeded | canceled")


class WebhookOutcomeSerializer(serializers.Serializer):
    event_id = serializers.CharField()
    type = serializers.CharField()
    result = serializers.ChoiceField(
        choices=["applied", "duplicate", "ignored"],
        help_text="applied; duplicate: this event was applied before; ignored: a type (or an "
        "intent) this shop does not handle",
    )
