"""The one pricing path of `checkout/preview` and `checkout` (DESIGN.md, Checkout step 2).

Cart lines at today's prices → promotions (with `is_first_order`) → shipping → tax:

    subtotal  = Σ unit_price × quantity                      (purchasable lines only)
    discount  = promotions' discount (≤ subtotal), allocated to lines to the cent
    shipping  = 0 with a free-shipping promotion or when subtotal − discount ≥ free_over,
                else the method's price
    tax       = rate × (subtotal − discount)                  (shipping is not taxed)
    total     = subtotal − discount + shipping + tax          (each rounded HALF_UP to cents)
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from uuid import UUID

from django.conf import settings
from django.db import connections, router

from apps.cart.services import CartView
from apps.orders.exceptions import EmptyCart, InvalidInput
from apps.orders.models import Order, ShippingMethod, TaxRate
from apps.orders.services import discounts as promotions
from apps.orders.state_machine import Status
from apps.promotions.exceptions import InvalidCoupon

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def money(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class QuoteLine:
    variant_id: UUID
    product_id: UUID
    sku: str
    name: str
    quantity: int
    unit_price: Decimal
    discount: Decimal
    total_price: Decimal  # unit_price × quantity − discount


@dataclass(frozen=True)
class Quote:
    lines: tuple[QuoteLine, ...]
    subtotal: Decimal
    discount: Decimal
    shipping: Decimal
    tax: Decimal
    total: Decimal
    currency: str
    shipping_method: str
    shipping_method_name: str
    tax_rate: Decimal
    free_shipping: bool
    coupon_code: str | None
    discounts: promotions.Discounts


def _coupon(code: str | None, cart: CartView) -> str | None:
    """The body's coupon when given, else the cart's; codes are case-insensitive."""
    code = code if code is not None else cart.coupon_code
    code = (code or "").strip().upper()
    return code or None


_CONTEXT_SQL = f"""
    SELECT method.code, method.name, method.price, method.free_over,
           (SELECT rate.rate FROM {TaxRate._meta.db_table} AS rate
             WHERE rate.country = %(country)s
               AND (rate.state = '' OR (%(state)s <> '' AND upper(rate.state) = upper(%(state)s)))
             ORDER BY rate.state DESC
             LIMIT 1) AS tax_rate,
           EXISTS (SELECT 1 FROM {Order._meta.db_table} AS o
                    WHERE o.user_id = %(user_id)s AND o.status <> %(cancelled)s) AS placed_before
      FROM {ShippingMethod._meta.db_table} AS method
     WHERE method.code = %(code)s AND method.active
"""  # noqa: S608 (table names only)
_CONTEXT_COLUMNS = ("code", "name", "price", "free_over", "tax_rate", "placed_before")


def _context(*, shipping_method: str, address: dict[str, Any], user_id: UUID) -> dict[str, Any]:
    """The shipping method, the tax rate of the address (the state's own rate before the
    country's) and whether the user has placed an order before, in ONE query (checkout runs
    under a query budget). Plain SQL: building the same query with the ORM (a subquery and
    an EXISTS) cost more CPU than running it, on every preview and checkout."""
    params = {
        "country": address["country"],
        "state": (address.get("state") or "").strip(),
        "user_id": user_id,
        "cancelled": Status.CANCELLED.value,
        "code": shipping_method,
    }
    # The database a read of these models goes to (a replica for a request's reads).
    alias = router.db_for_read(ShippingMethod)
    with connections[alias].cursor() as cursor:
        cursor.execute(_CONTEXT_SQL, params)
        row = cursor.fetchone()
    if row is None:
        raise InvalidInput(details={"shipping_method": ["Unknown shipping method."]})
    return dict(zip(_CONTEXT_COLUMNS, row, strict=True))


def quote_build(
    *,
    user_id: UUID,
    cart: CartView,
    coupon_code: str | None,
    shipping_method: str,
    address: dict[str, Any],
) -> Quote:
    """Price the cart for this user, coupon, shipping method and shipping address.

    Raises EmptyCart (no purchasable line), InvalidInput naming `shipping_method`,
    InvalidCoupon (details.reason) when a coupon is given (or on the cart) and does not apply.
    Reads only.
    """
    if not cart.priced_lines:
        raise EmptyCart()
    context = _context(shipping_method=shipping_method, address=address, user_id=user_id)
    coupon = _coupon(coupon_code, cart)
    result = promotions.checkout_discounts(
        cart=cart,
        coupon_code=coupon,
        user_id=user_id,
        is_first_order=not context["placed_before"],
    )
    if coupon and result.coupon_rejection:
        raise InvalidCoupon(reason=result.coupon_rejection, coupon_code=coupon)

    shown = {line.id: line for line in cart.lines}
    lines = []
    for priced in cart.priced_lines:
        line = shown[priced.item_id]
        discount = result.line_discounts.get(priced.variant_id, ZERO)
        gross = money(priced.current_price * priced.quantity)
        lines.append(
            QuoteLine(
                variant_id=priced.variant_id,
                product_id=priced.product_id,
                sku=line.sku,
                name=line.name,
                quantity=priced.quantity,
                unit_price=priced.current_price,
                discount=discount,
                total_price=gross - discount,
            )
        )
    subtotal = money(sum((money(li.unit_price * li.quantity) for li in lines), ZERO))
    discount = money(min(result.discount, subtotal))
    after_discount = subtotal - discount
    free_over = context["free_over"]
    free_shipping = result.free_shipping or (free_over is not None and after_discount >= free_over)
    shipping = ZERO if free_shipping else money(context["price"])
    tax_rate = context["tax_rate"] or Decimal("0")
    tax = money(tax_rate * after_discount)
    return Quote(
        lines=tuple(lines),
        subtotal=subtotal,
        discount=discount,
        shipping=shipping,
        tax=tax,
        total=after_discount + shipping + tax,
        currency=settings.SHOP_CURRENCY,
        shipping_method=context["code"],
        shipping_method_name=context["name"],
        tax_rate=tax_rate,
        free_shipping=free_shipping,
        coupon_code=coupon,
        discounts=result,
    )
