"""Signals and outbox events accounts sends upward; higher apps connect to them in their
receivers.py (signals with `@receiver`, events with `@events.handler(NAME)`)."""

from django.dispatch import Signal

# Sent after a successful login (the tokens are already issued).
# kwargs: user_id (UUID) and cart_token (the request's X-Cart-Token header, or None), so the
# cart app can merge the anonymous cart into the user's. Receivers' errors are logged, never
# fail the login.
user_signed_in = Signal()

# Outbox events (shop.events), published in the transaction of the change; handlers must be
# idempotent (an event may be delivered again). Accounts' own receivers send the emails.

# A customer account was created. Payload: {"user_id": "<uuid>"}.
USER_REGISTERED = "user.registered"
# Someone asked for a password reset of an active account (never published for an unknown
# email). Payload: {"user_id": "<uuid>"}; the reset token is made when the email is sent.
PASSWORD_RESET_REQUESTED = "user.password_reset_requested"
