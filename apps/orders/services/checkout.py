"""Checkout, the saga of DESIGN.md (Checkout): it spans what one database transaction cannot,
the Redis cart and the payment provider.

1. Read the cart and its version; an empty cart is refused (400 `empty_cart`).
2. Price it (`pricing.quote_build`, the same path as `checkout_preview`); an invalid coupon
   is refused (400 `invalid_coupon`) and nothing is placed.
3. ONE transaction: create the order `pending` with its lines and totals, reserve the
   stock (stock rows are the first locks taken, promotion rows the next), hold the coupon
   use, write the outbox events. A short variant (409 `insufficient_stock`) or the coupon's
   last use going to someone else rolls all of it back. Before it, one unlocked read of the
   committed stock refuses a cart that cannot be served (a flash sale's late buyers do not
   queue on the stock locks to learn that).
4. After the commit: the payment intent (provider idempotency key `order_<id>_payment`,
   no transaction open while the provider answers), then ONE transaction records the
   Payment and makes the order `confirmed`.
5. Clear the cart only if its version is unchanged since step 1.

Any failure after 3 is compensated: the order is cancelled (its reservation released, its
coupon use given back, its intent cancelled by the `order.cancelled` receiver) and the cart
is left as it was; the client gets 502 `payment_unavailable` (or 409, 503), never a 500 and
never a half-made order. A crash between 3 and 4 (the process dies) leaves a `pending` order
whose reservation expires: the `reservation.expired` receiver cancels it.

The API wraps it in `shop.idempotency.idempotent("orders.checkout")`: the key is claimed
before step 1, so a replay answers the first 201 even after the cart was emptied.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.db import IntegrityError, transaction

from apps.accounts.services import user_get
from apps.cart.exceptions import CartUnavailable
from apps.cart.services import CartOwner, cart_clear, cart_get
from apps.inventory.exceptions import InsufficientStock
from apps.inventory.services import availability, reservation_create
from apps.orders.exceptions import CheckoutFailed, EmptyCart
from apps.orders.models import Order, OrderLine
from apps.orders.numbers import order_number_new
from apps.orders.services import discounts as promotions
from apps.orders.services.addresses import checkout_addresses
from apps.orders.services.info import Actor, OrderInfo, order_info
from apps.orders.services.lifecycle import (
    CANCEL_CHECKOUT_FAILED,
    cancel_locked,
    lock,
    transition_from,
)
from apps.orders.services.payment_outcomes import order_payment_succeeded
from apps.orders.services.pricing import Quote, quote_build
from apps.orders.state_machine import UNPAID, Status
from apps.payments.services import payment_intent_open, payment_record
from shop import metrics
from shop.errors import Conflict, DomainError

logger = logging.getLogger(__name__)

SYSTEM = Actor.system()
# Order numbers are random; a collision (rare: 32⁸ numbers) retries the placement.
NUMBER_ATTEMPTS = 3


@dataclass(frozen=True)
class CheckoutResult:
    order: OrderInfo
    provider: str | None  # None (and no intent) when there was nothing to pay
    intent_id: str | None
    client_secret: str | None


class OrderExpired(Conflict):
    default_message = "The order expired while its payment was being set up; nothing was charged."


def _count(outcome: str) -> None:
    """Count a checkout attempt in ops' Prometheus counter by outcome: `placed`, or the error
    code when it is one of the counted outcomes (`insufficient_stock`, `invalid_coupon`,
    `payment_unavailable`); any other failure after the cart was priced counts as `failed`.
    Refused input (400 `invalid`, `empty_cart`) is no attempt and is not counted."""
    if outcome in ("invalid", "empty_cart"):
        return
    if outcome not in metrics.CHECKOUT_OUTCOMES:
        outcome = "failed"
    metrics.CHECKOUTS.labels(outcome=outcome).inc()


def checkout_preview(
    *,
    user_id: UUID,
    shipping_method: str,
    shipping_address_id: Any = None,
    shipping_address: Any = None,
    billing_address_id: Any = None,
    billing_address: Any = None,
    coupon_code: str | None = None,
) -> Quote:
    """What `checkout` would charge for the user's cart, with the same body: creates nothing
    (reads only; no reservation, no order, no coupon use). Raises as `checkout` does before
    it places anything: InvalidInput, EmptyCart, InvalidCoupon."""
    shipping, _billing = checkout_addresses(
        user_id=user_id,
        shipping_address_id=shipping_address_id,
        shipping_address=shipping_address,
        billing_address_id=billing_address_id,
        billing_address=billing_address,
    )
    cart = cart_get(owner=CartOwner.for_user(user_id), promotions=False)
    if not cart.priced_lines:
        raise EmptyCart()
    return quote_build(
        user_id=user_id,
        cart=cart,
        coupon_code=coupon_code,
        shipping_method=shipping_method,
        address=shipping,
    )


def checkout(
    *,
    user_id: UUID,
    shipping_method: str,
    shipping_address_id: Any = None,
    shipping_address: Any = None,
    billing_address_id: Any = None,
    billing_address: Any = None,
    coupon_code: str | None = None,
    email: str | None = None,
) -> CheckoutResult:
    """Place the signed-in user's cart as an order and open its payment (see the module).

    Returns the `confirmed` order and the intent the client pays with. Raises EmptyCart,
    InvalidInput (addresses, shipping method), InvalidCoupon, InsufficientStock (details
    name every short variant; nothing placed, the cart unchanged), PaymentUnavailable (502:
    the order was undone), OrderExpired (409), CheckoutFailed (503). `email` is the user's
    (the caller usually has it; else it is looked up).
    """
    try:
        result = _checkout(
            user_id=user_id,
            shipping_method=shipping_method,
            addresses={
                "shipping_address_id": shipping_address_id,
                "shipping_address": shipping_address,
                "billing_address_id": billing_address_id,
                "billing_address": billing_address,
            },
            coupon_code=coupon_code,
            email=email,
        )
    except DomainError as exc:
        _count(exc.code)
        raise
    _count("placed")
    return result


def _checkout(
    *,
    user_id: UUID,
    shipping_method: str,
    addresses: dict[str, Any],
    coupon_code: str | None,
    email: str | None,
) -> CheckoutResult:
    shipping, billing = checkout_addresses(user_id=user_id, **addresses)  # the input first
    owner = CartOwner.for_user(user_id)
    cart = cart_get(owner=owner, promotions=False)  # step 1: priced below
    if not cart.priced_lines:
        raise EmptyCart()
    quote = quote_build(  # step 2
        user_id=user_id,
        cart=cart,
        coupon_code=coupon_code,
        shipping_method=shipping_method,
        address=shipping,
    )
    _stock_precheck(quote)  # a sold-out variant is refused before any lock is waited for
    order, lines = _place(  # step 3
        user_id=user_id,
        email=email or user_get(user_id).email,
        quote=quote,
        shipping=shipping,
        billing=billing,
    )
    try:
        result = _pay(order, lines, quote)  # step 4
    except Exception as exc:
        _compensate(order, exc)
        if isinstance(exc, DomainError):
            raise
        logger.exception("checkout of order %s failed after it was placed", order.id)
        raise CheckoutFailed() from exc
    try:  # step 5
        cart_clear(owner=owner, expected_version=cart.version)
    except CartUnavailable:
        logger.warning("cart of user %s not cleared after order %s", user_id, order.id)
    return result


def _order_rows(
    *, order_id: UUID, user_id: UUID, email: str, quote: Quote, shipping: dict, billing: dict
) -> tuple[Order, list[OrderLine]]:
    order = Order(
        id=order_id,
        order_number=order_number_new(),
        user_id=user_id,
        email=email,
        status=Status.PENDING,
        currency=quote.currency,
        subtotal=quote.subtotal,
        discount=quote.discount,
        shipping=quote.shipping,
        tax=quote.tax,
        total=quote.total,
        shipping_address=shipping,
        billing_address=billing,
        shipping_method=quote.shipping_method,
        shipping_method_name=quote.shipping_method_name,
        coupon_code=(quote.coupon_code or "") if quote.discounts.promotion_ids else "",
        promotion_ids=list(quote.discounts.promotion_ids),
    )
    lines = [
        OrderLine(
            order=order,
            position=position,
            variant_id=line.variant_id,
            product_id=line.product_id,
            sku=line.sku,
            name=line.name[:300],
            unit_price=line.unit_price,
            quantity=line.quantity,
            discount=line.discount,
            total_price=line.total_price,
        )
        for position, line in enumerate(quote.lines, start=1)
    ]
    return order, lines


def _wanted(quote: Quote) -> dict[UUID, int]:
    wanted: dict[UUID, int] = {}
    for line in quote.lines:
        wanted[line.variant_id] = wanted.get(line.variant_id, 0) + line.quantity
    return wanted


def _stock_precheck(quote: Quote) -> None:
    """Refuse (409 `insufficient_stock`, the details `reservation_create` gives) a cart that
    the committed stock cannot serve now, with one unlocked read and no transaction.

    The exact check stays the locked one inside the placing transaction; this one only
    answers early when the answer is already known. In a flash sale, once the units are
    gone, every further buyer used to queue behind the winners' stock-row locks (held until
    their commit) just to learn it; now they are answered without waiting. A refusal is
    never wrong: the read is of committed rows, so the units were not there when it ran."""
    wanted = _wanted(quote)
    available = availability(list(wanted), primary=True)  # never a lagging replica
    short = [
        {
            "variant_id": str(variant_id),
            "requested": requested,
            "available": max(available[variant_id], 0),
        }
        for variant_id, requested in wanted.items()
        if available[variant_id] < requested
    ]
    if short:
        raise InsufficientStock(
            "Not enough stock for " + ", ".join(item["variant_id"] for item in short) + ".",
            details={"items": short},
        )


def _number_taken(exc: IntegrityError) -> bool:
    diag = getattr(exc.__cause__, "diag", None)
    return getattr(diag, "constraint_name", None) == "order_number_once"


def _place(
    *, user_id: UUID, email: str, quote: Quote, shipping: dict, billing: dict
) -> tuple[Order, list[OrderLine]]:
    """Step 3: the one transaction. Returns the order and its lines. (The order's history
    starts with its first transition: placing is no transition, `created_at` says when.)"""
    order_id = uuid.uuid4()
    wanted = [(line.variant_id, line.quantity) for line in quote.lines]
    for attempt in range(1, NUMBER_ATTEMPTS + 1):
        order, lines = _order_rows(
            order_id=order_id,
            user_id=user_id,
            email=email,
            quote=quote,
            shipping=shipping,
            billing=billing,
        )
        try:
            with transaction.atomic():
                # The order's own new rows first: they lock nothing another checkout waits
                # for, and the stock rows' locks (the first contended ones, then the
                # promotions') are held for less time: in a flash sale every buyer of the
                # variant queues behind them until this transaction commits.
                order.save(force_insert=True)
                OrderLine.objects.bulk_create(lines)
                reservation_create(order_id=order_id, lines=wanted, new_order=True)
                promotions.usage_hold(order_id=order_id, user_id=user_id, discounts=quote.discounts)
            return order, lines
        except IntegrityError as exc:
            if not _number_taken(exc) or attempt == NUMBER_ATTEMPTS:
                raise
            logger.warning("order number %s taken; drawing another", order.order_number)
    raise AssertionError("unreachable")


def _pay(order: Order, lines: list[OrderLine], quote: Quote) -> CheckoutResult:
    """Step 4: the intent, then `pending → confirmed` (a compare-and-set: if expiry cancelled
    the order while the provider answered, OrderExpired)."""
    if quote.total == 0:  # a 100 % discount with free shipping: nothing to collect
        with transaction.atomic():
            transition_from(
                order,
                from_status=Status.PENDING,
                to=Status.CONFIRMED,
                actor=SYSTEM,
                note="nothing to pay",
            )
        return CheckoutResult(
            order=order_payment_succeeded(order_id=order.id),
            provider=None,
            intent_id=None,
            client_secret=None,
        )
    opened = payment_intent_open(
        order_id=order.id, user_id=order.user_id, amount=quote.total, currency=quote.currency
    )
    with transaction.atomic():  # the payment is recorded with the order's confirmation
        intent = payment_record(opened=opened)
        confirmed = transition_from(
            order,
            from_status=Status.PENDING,
            to=Status.CONFIRMED,
            actor=SYSTEM,
            note="awaiting payment",
            payment_id=intent.payment.id,
        )
        if confirmed is None:  # expiry cancelled it while the provider answered
            raise OrderExpired()
    return CheckoutResult(
        order=order_info(order, lines=lines, history=[confirmed]),
        provider=intent.provider,
        intent_id=intent.intent_id,
        client_secret=intent.client_secret,
    )


def _compensate(order: Order, exc: Exception) -> None:
    """Undo a placed order after a failure in step 4: cancel it (releases the stock, gives
    the coupon use back; its receiver cancels an intent that was made). If this fails too
    (the database is gone), the reservation's expiry cancels the order later."""
    why = getattr(exc, "message", None) or exc.__class__.__name__
    try:
        with transaction.atomic():
            locked = lock(order.id)
            if locked.status in UNPAID:
                cancel_locked(
                    locked,
                    actor=SYSTEM,
                    note=f"checkout failed: {why}",
                    cancel_reason=CANCEL_CHECKOUT_FAILED,
                )
    except Exception:
        logger.exception("compensation of order %s failed; its expiry will cancel it", order.id)
