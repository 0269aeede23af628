"""Handlers of other apps' signals (connected by CartConfig.ready via BoundedContextConfig)."""

from __future__ import annotations

import logging

from django.dispatch import receiver

from apps.accounts.signals import user_signed_in
from apps.cart.exceptions import CartUnavailable, InvalidInput
from apps.cart.services import cart_merge, cart_token_valid

logger = logging.getLogger(__name__)


@receiver(user_signed_in, dispatch_uid="cart_merge_anonymous_cart_on_sign_in")
def merge_anonymous_cart_on_sign_in(sender, *, user_id, cart_token=None, **kwargs) -> None:
    """Carry what the visitor put in the cart before signing in into the user's cart.

    A login never fails because of the cart: an unusable token or Redis being down is logged
    and the anonymous cart simply stays where it is (the client can POST cart/merge later).
    """
    if not cart_token_valid(cart_token):
        return
    try:
        cart_merge(user_id=user_id, cart_token=cart_token)
    except (CartUnavailable, InvalidInput):
        logger.warning("cart merge on sign-in failed for user %s", user_id, exc_info=True)
