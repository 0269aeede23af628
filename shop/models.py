from __future__ import annotations

import uuid

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models


class IdempotencyRecord(models.Model):
    """One use of an `Idempotency-Key` (see shop.idempotency): claimed while its request
    runs, then the answer it stored for replays."""

    class State(models.TextChoices):
        IN_PROGRESS = "in_progress", "in progress"
        COMPLETED = "completed", "completed"

    owner = models.CharField(max_length=64)  # the user's id, or "anonymous"
    scope = models.CharField(max_length=64)  # the endpoint, e.g. "inventory.adjust"
    key = models.CharField(max_length=255)
    request_hash = models.CharField(max_length=64)  # method, URL arguments and body
    state = models.CharField(max_length=12, choices=State.choices, default=State.IN_PROGRESS)
    # Which request holds the claim: only it may store its answer or release the claim.
    claim = models.UUIDField(default=uuid.uuid4)
    claimed_at = models.DateTimeField()
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    body = models.JSONField(encoder=DjangoJSONEncoder, null=True, blank=True)
    created_at = models.DateTimeField(db_index=True)  # the TTL counts from here
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["owner", "scope", "key"], name="idempotency_once"),
        ]

    def __str__(self) -> str:
        return f"{self.scope} {self.key} ({self.state})"
