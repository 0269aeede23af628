from __future__ import annotations

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models


class IdempotencyRecord(models.Model):
    """The first answer to a request made with an `Idempotency-Key` (see shop.idempotency)."""

    owner = models.CharField(max_length=64)  # the user's id, or "anonymous"
    scope = models.CharField(max_length=64)  # the endpoint, e.g. "inventory.adjust"
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    body = models.JSONField(encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["owner", "scope", "key"], name="idempotency_once"),
        ]

    def __str__(self) -> str:
        return f"{self.scope} {self.key}"
