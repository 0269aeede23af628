"""Signals accounts sends upward; higher apps connect to them in their receivers.py."""

from django.dispatch import Signal

# Sent after a successful login (the tokens are already issued).
# kwargs: user_id (UUID) and cart_token (the request's X-Cart-Token header, or None), so the
# cart app can merge the anonymous cart into the user's. Receivers' errors are logged, never
# fail the login.
user_signed_in = Signal()
