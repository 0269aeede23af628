from __future__ import annotations

import uuid

from django.db import models


class OutboxEvent(models.Model):
    """A domain event, written in the same transaction as the change that caused it."""

    class Status(models.TextChoices):
        PENDING = "pending", "pending"  # written; not yet handled by every handler
        DONE = "done", "done"  # every handler succeeded
        DEAD = "dead", "dead"  # gave up after repeated failures; replay with events_replay

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=100, db_index=True)
    payload = models.JSONField(default=dict)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at"]
        indexes = [
            models.Index(
                fields=["created_at"],
                name="outbox_pending_idx",
                condition=models.Q(status="pending"),
            ),
            # /metrics counts dead events on every scrape: without this it scans every
            # done event kept for OUTBOX_RETENTION_DAYS.
            models.Index(
                fields=["created_at"], name="outbox_dead_idx", condition=models.Q(status="dead")
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.id} ({self.status})"


class HandledEvent(models.Model):
    """Marks that one handler has applied one event, so a re-delivery is a no-op."""

    event = models.ForeignKey(OutboxEvent, on_delete=models.CASCADE, related_name="handled")
    handler = models.CharField(max_length=200)
    handled_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["event", "handler"], name="handled_event_once"),
        ]

    def __str__(self) -> str:
        return f"{self.handler} applied {self.event_id}"
