"""Handlers of outbox events (connected when the app is ready): accounts sends its own email.

Each runs at most once per event (the outbox marks it in the same transaction); a mail
failure raises, so the outbox retries the event with backoff.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from apps.accounts.services import email_verification_send, password_reset_email_send
from apps.accounts.signals import PASSWORD_RESET_REQUESTED, USER_REGISTERED
from shop import events


@events.handler(USER_REGISTERED)
def verification_email_on_registration(event_id: UUID, payload: dict[str, Any]) -> None:
    email_verification_send(user_id=payload["user_id"])


@events.handler(PASSWORD_RESET_REQUESTED)
def password_reset_email_on_request(event_id: UUID, payload: dict[str, Any]) -> None:
    password_reset_email_send(user_id=payload["user_id"])
