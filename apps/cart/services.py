"""The cart's public interface: what the API, the receivers and orders (checkout) call.

Carts live in Redis (see `store.py`): one hash per cart with a version; every mutation is
one Lua script that checks the expected version (the client's If-Match), applies the
change, bumps the version and renews the TTL atomically. Without an expected version
concurrent writers still never lose an update, because the change itself (e.g. "add 2") is
applied inside the script, not computed from a read.

Reads price every line at today's catalog price with ONE catalog call: for the API (cart GET
and every mutation's answer) from the cached product details (`variants_get_cached`: no query
when they are cached; the same snapshot the product pages show, dropped on commit of every
change), for checkout (`cart_get`) from the database (`variants_get`), so an order is always
priced exactly. The stock check of an add or an update is against the catalog's copy of the
stock first and, only when that refuses, against inventory's exact figure: a refusal is
always exact, and checkout reserves exactly anyway.
"""

from __future__ import annotations

import functools
import re
import secrets
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from uuid import UUID

from django.conf import settings
from django.utils import timezone

from apps.cart import pricing, store
from apps.cart.exceptions import (
    CartItemNotFound,
    CartUnavailable,
    InsufficientStock,
    InvalidCoupon,
    InvalidInput,
    VersionMismatch,
)
from apps.catalog.services import variants_get, variants_get_cached
from apps.inventory.services import availability
from apps.promotions.services import COUPON_CODE_PATTERN, PromotionExplanation
from shop.errors import parse_uuid

# More distinct lines than this is not a shopping cart; it bounds the scripts' work too.
CART_MAX_LINES = 100
# secrets.token_urlsafe(32) gives 43 characters; anything else was not issued by us.
_TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9_-]{43}$")
# A coupon is checked against the cart it joins; retries when another write slips between.
_COUPON_ATTEMPTS = 5


@dataclass(frozen=True)
class CartOwner:
    """Whose cart: a signed-in user's (by id) or an anonymous one (by token), never both."""

    user_id: UUID | None = None
    token: str | None = None

    def __post_init__(self) -> None:
        if (self.user_id is None) == (self.token is None):
            raise ValueError("A cart owner is a user id or a token, exactly one of them.")
        if self.user_id is not None and not isinstance(self.user_id, UUID):
            object.__setattr__(self, "user_id", UUID(str(self.user_id)))

    @classmethod
    def for_user(cls, user_id: UUID | str) -> CartOwner:
        return cls(user_id=UUID(str(user_id)))

    @classmethod
    def for_token(cls, token: str) -> CartOwner:
        return cls(token=token)

    @property
    def key(self) -> str:
        if self.user_id is not None:
            return store.user_key(self.user_id)
        return store.anonymous_key(self.token)

    @property
    def ttl(self) -> int:
        if self.user_id is not None:
            return settings.CART_TTL_USER_SECONDS
        return settings.CART_TTL_ANONYMOUS_SECONDS


@dataclass(frozen=True)
class CartLine:
    """A line as shown and as checkout reads it.

    `available` is False when the variant disappeared from the catalog or its product is not
    active: such a line stays visible (so the customer sees why) but counts in no total, and
    its `line_total` is 0.00; `current_price` is None when the variant is gone.
    """

    id: UUID
    variant_id: UUID
    product_id: UUID
    sku: str
    name: str
    quantity: int
    unit_price: Decimal
    current_price: Decimal | None
    price_changed: bool
    line_total: Decimal
    available: bool
    category_path: str | None
    added_at: datetime


@dataclass(frozen=True)
class CartView:
    owner: CartOwner
    version: int
    lines: tuple[CartLine, ...]
    coupon_code: str | None
    promotions: tuple[PromotionExplanation, ...]  # every candidate: applied, or why not
    subtotal: Decimal
    discount: Decimal
    free_shipping: bool
    total: Decimal
    # The lines as promotions priced them (available lines only): what checkout re-prices.
    priced_lines: tuple[pricing.PricedLine, ...] = field(default=(), repr=False)

    @property
    def token(self) -> str | None:
        return self.owner.token

    @property
    def is_empty(self) -> bool:
        return not self.lines

    @property
    def has_unavailable_lines(self) -> bool:
        return any(not line.available for line in self.lines)


# --- input checks ---------------------------------------------------------------------------


def _check_quantity(quantity: int, *, minimum: int) -> None:
    maximum = settings.CART_MAX_LINE_QUANTITY
    if isinstance(quantity, bool) or not isinstance(quantity, int):
        raise InvalidInput(details={"quantity": ["Must be an integer."]})
    if not minimum <= quantity <= maximum:
        raise InvalidInput(
            details={"quantity": [f"Must be between {minimum} and {maximum}."]},
        )


def _check_version(expected_version: int | None) -> None:
    if expected_version is not None and (
        isinstance(expected_version, bool)
        or not isinstance(expected_version, int)
        or expected_version < 0
    ):
        raise InvalidInput(details={"If-Match": ["Must be a cart version (an integer)."]})


def _purchasable_variant(variant_id: UUID):
    variant = variants_get_cached([variant_id]).get(variant_id)
    if variant is None:
        raise InvalidInput("Unknown variant.", details={"variant_id": ["Unknown variant."]})
    if not variant.purchasable:
        raise InvalidInput(
            "This product is not for sale.",
            details={"variant_id": ["This product is not for sale."]},
        )
    return variant


def cart_token_valid(token: str | None) -> bool:
    """Whether `token` has the shape of a token we issue (it may still be unknown/expired)."""
    return isinstance(token, str) and bool(_TOKEN_PATTERN.match(token))


def cart_token_known(token: str | None) -> bool:
    """Whether `token` names a cart that exists now; False when Redis cannot tell."""
    try:
        return cart_token_valid(token) and store.cart_exists(store.anonymous_key(token))
    except CartUnavailable:
        return False


# --- reads ----------------------------------------------------------------------------------


def _view(
    owner: CartOwner, stored: store.StoredCart, *, promotions: bool = True, exact: bool = False
) -> CartView:
    if exact:
        variants = variants_get([line.variant_id for line in stored.lines])
    else:
        variants = variants_get_cached(
            [line.variant_id for line in stored.lines],
            products={line.variant_id: line.product_id for line in stored.lines},
        )
    lines: list[CartLine] = []
    priced: list[pricing.PricedLine] = []
    for line in stored.lines:
        variant = variants.get(line.variant_id)
        available = variant is not None and variant.purchasable
        current_price = variant.price if variant is not None else None
        if available:
            priced_line = pricing.PricedLine(
                item_id=line.id,
                variant_id=line.variant_id,
                product_id=line.product_id,
                category_path=variant.category_path,
                quantity=line.quantity,
                unit_price=line.unit_price,
                current_price=variant.price,
            )
            priced.append(priced_line)
            line_total = priced_line.line_total
        else:
            line_total = pricing.ZERO
        lines.append(
            CartLine(
                id=line.id,
                variant_id=line.variant_id,
                product_id=line.product_id,
                sku=line.sku,
                name=line.name,
                quantity=line.quantity,
                unit_price=line.unit_price,
                current_price=current_price,
                price_changed=current_price is not None and current_price != line.unit_price,
                line_total=line_total,
                available=available,
                category_path=variant.category_path if variant is not None else None,
                added_at=line.added_at,
            )
        )
    subtotal = pricing.money(sum((line.line_total for line in priced), pricing.ZERO))
    if not promotions:
        return CartView(
            owner=owner,
            version=stored.version,
            lines=tuple(lines),
            coupon_code=stored.coupon_code,
            promotions=(),
            subtotal=subtotal,
            discount=pricing.ZERO,
            free_shipping=False,
            total=subtotal,
            priced_lines=tuple(priced),
        )
    discounts = pricing.cart_discounts(
        lines=priced, coupon_code=stored.coupon_code, user_id=owner.user_id
    )
    discount = min(discounts.discount, subtotal)
    return CartView(
        owner=owner,
        version=stored.version,
        lines=tuple(lines),
        coupon_code=stored.coupon_code,
        promotions=discounts.explanations,
        subtotal=subtotal,
        discount=discount,
        free_shipping=discounts.free_shipping,
        total=pricing.money(subtotal - discount),
        priced_lines=tuple(priced),
    )


def cart_owner_resolve(
    *, user_id: UUID | str | None, token: str | None, create: bool = True
) -> CartOwner:
    """The owner of the cart a request works on.

    A signed-in user's cart is theirs whatever token is sent. Otherwise a known token keeps
    its cart; a missing, malformed, unknown or expired token gets a NEW token. With `create`
    its empty cart is created now (a read: the token is known on the next call); without, the
    cart comes into being only when a mutation succeeds on it (every mutation script creates
    the hash it commits to), so a refused request leaves no cart behind.
    Raises CartUnavailable when Redis is down.
    """
    if user_id is not None:
        return CartOwner.for_user(user_id)
    if cart_token_valid(token) and store.cart_exists(store.anonymous_key(token)):
        return CartOwner.for_token(token)
    owner = CartOwner.for_token(secrets.token_urlsafe(32))
    if create:
        store.cart_create(owner.key, ttl=owner.ttl)
    return owner


def cart_get(*, owner: CartOwner, promotions: bool = True, exact: bool = True) -> CartView:
    """The cart priced at today's catalog prices (one catalog query whatever its size).

    A cart that does not exist (never written, or expired) is empty at version 0.
    Reading does not renew the TTL. Raises CartUnavailable when Redis is down.
    `promotions=False` skips the promotions' price (discount 0, no candidates) for a caller
    that prices `priced_lines` itself: checkout, which knows the order history.
    `exact=False` prices from the cached product details (no query when cached) instead of
    the database: what the customer is shown, never what an order is charged.
    """
    return _view(owner, store.cart_load(owner.key), promotions=promotions, exact=exact)


def cart_open(*, user_id: UUID | str | None, token: str | None) -> CartView:
    """The cart a read (GET) works on, priced from the cached catalog: `cart_owner_resolve`
    (create=True) and `cart_get(exact=False)` in one Redis round trip when the token is known
    (or the user signed in). Its `owner.token` is the token to hand back: a new one when
    `token` was missing, malformed, unknown or expired. Raises CartUnavailable."""
    if user_id is not None:
        owner = CartOwner.for_user(user_id)
        return _view(owner, store.cart_load(owner.key))
    if cart_token_valid(token):
        stored = store.cart_load_existing(store.anonymous_key(token))
        if stored is not None:
            return _view(CartOwner.for_token(token), stored)
    owner = cart_owner_resolve(user_id=None, token=None, create=True)
    return _view(owner, store.cart_load(owner.key))


# --- mutations ------------------------------------------------------------------------------


def cart_line_add(
    *,
    owner: CartOwner,
    variant_id: UUID | str,
    quantity: int,
    expected_version: int | None = None,
) -> CartView:
    """Add `quantity` units of a variant: to its line when the cart has one, else a new line
    at today's price (kept as `unit_price`).

    Checks (none reserves anything): the variant exists and its product is active
    (InvalidInput naming `variant_id`); 1 <= quantity and the line's resulting quantity
    <= CART_MAX_LINE_QUANTITY (InvalidInput naming `quantity`); the resulting quantity is
    available in stock (InsufficientStock); at most CART_MAX_LINES lines. The sum and the
    last two checks happen inside the Lua script, so concurrent adds are all counted.
    Raises VersionMismatch when `expected_version` is given and is not the cart's version;
    nothing is changed on any error.
    """
    return _line_add(owner, variant_id, quantity, expected_version, must_exist=False)


def cart_line_add_anonymous(
    *,
    token: str | None,
    variant_id: UUID | str,
    quantity: int,
    expected_version: int | None = None,
) -> CartView:
    """`cart_line_add` for an anonymous client by the token it sent, with the owner resolved
    as `cart_owner_resolve(create=False)` would, but inside the add's script: a known token's
    add is one Redis round trip. A missing, malformed, unknown or expired token gets a NEW
    token, whose cart comes into being only if the add succeeds. The answer's `owner.token`
    is the token to hand back (on an error, nothing was created for a new token)."""
    if cart_token_valid(token):
        try:
            return _line_add(
                CartOwner.for_token(token), variant_id, quantity, expected_version, must_exist=True
            )
        except store.CartMissing:
            pass  # unknown or expired: a new cart under a new token
    owner = CartOwner.for_token(secrets.token_urlsafe(32))
    return _line_add(owner, variant_id, quantity, expected_version, must_exist=False)


def _line_add(
    owner: CartOwner,
    variant_id: UUID | str,
    quantity: int,
    expected_version: int | None,
    *,
    must_exist: bool,
) -> CartView:
    _check_version(expected_version)
    variant_id = parse_uuid(variant_id, "variant_id")
    _check_quantity(quantity, minimum=1)
    variant = _purchasable_variant(variant_id)
    now = timezone.now()
    new_line = store.StoredLine(
        id=uuid.uuid4(),
        variant_id=variant.id,
        product_id=variant.product_id,
        sku=variant.sku,
        name=variant.name,
        quantity=quantity,
        unit_price=variant.price,
        added_at=now,
    )
    add = functools.partial(
        store.line_add,
        owner.key,
        ttl=owner.ttl,
        expected_version=expected_version,
        new_line=new_line,
        quantity=quantity,
        max_quantity=settings.CART_MAX_LINE_QUANTITY,
        max_lines=CART_MAX_LINES,
        must_exist=must_exist,
    )
    return _view(owner, _stock_checked(add, variant_id, variant.available))


def cart_line_update(
    *,
    owner: CartOwner,
    item_id: UUID | str,
    quantity: int,
    expected_version: int | None = None,
) -> CartView:
    """Set a line's quantity; 0 removes the line.

    The stock check is on the resulting quantity, like an add. Raises CartItemNotFound
    (unknown item), InvalidInput (`quantity` outside 0…CART_MAX_LINE_QUANTITY, or `variant_id`
    when the line's product is no longer for sale — such a line can only be removed),
    InsufficientStock (more than available), VersionMismatch; nothing changes then.
    """
    _check_version(expected_version)
    item_id = _item_id(item_id)
    _check_quantity(quantity, minimum=0)
    if quantity == 0:
        return cart_line_remove(owner=owner, item_id=item_id, expected_version=expected_version)
    line = store.line_load(owner.key, item_id)
    if line is None:
        raise CartItemNotFound()
    variant = _purchasable_variant(line.variant_id)
    update = functools.partial(
        store.line_set_quantity,
        owner.key,
        ttl=owner.ttl,
        expected_version=expected_version,
        item_id=item_id,
        quantity=quantity,
        variant_id=line.variant_id,
    )
    return _view(owner, _stock_checked(update, line.variant_id, variant.available))


def _stock_checked(write, variant_id: UUID, catalog_available: int) -> store.StoredCart:
    """Run the cart script `write(available=...)` with the catalog's copy of the variant's
    stock (from the cached detail: no query); if that refuses, again with inventory's exact
    figure (one query), so a refusal never rests on a stale copy. The sum is taken inside the
    script each time, so concurrent writers are all counted either way."""
    try:
        return write(available=max(catalog_available, 0))
    except InsufficientStock:
        exact = availability([variant_id]).get(variant_id, 0)
        if exact == catalog_available:
            raise  # the copy was exact: the refusal stands as it is
        return write(available=exact)  # refused again (naming the exact figure) or accepted


def cart_line_remove(
    *, owner: CartOwner, item_id: UUID | str, expected_version: int | None = None
) -> CartView:
    """Remove a line. Raises CartItemNotFound, VersionMismatch."""
    _check_version(expected_version)
    stored = store.line_set_quantity(
        owner.key,
        ttl=owner.ttl,
        expected_version=expected_version,
        item_id=_item_id(item_id),
        quantity=0,
    )
    return _view(owner, stored)


def _item_id(item_id: UUID | str) -> UUID:
    try:
        return item_id if isinstance(item_id, UUID) else UUID(str(item_id))
    except (TypeError, ValueError, AttributeError):
        raise CartItemNotFound()


def cart_empty(*, owner: CartOwner, expected_version: int | None = None) -> CartView:
    """Remove every line and the coupon (the version still increases).

    Raises VersionMismatch when `expected_version` is given and differs.
    """
    _check_version(expected_version)
    stored = store.cart_clear(owner.key, ttl=owner.ttl, expected_version=expected_version)
    return _view(owner, stored)


def cart_clear(*, owner: CartOwner, expected_version: int | None = None) -> bool:
    """Empty the cart unless it changed since `expected_version` (checkout's last step).

    Answers True when cleared, False (nothing changed) when the version differs — e.g. the
    customer added an item while the order was being placed; that item must survive.
    """
    _check_version(expected_version)
    try:
        # No view of the emptied cart: nobody reads it (and pricing it would cost queries).
        store.cart_clear(owner.key, ttl=owner.ttl, expected_version=expected_version)
    except VersionMismatch:
        return False
    return True


def _normalized_coupon_code(code: str) -> str:
    normalized = code.strip().upper() if isinstance(code, str) else ""
    if not COUPON_CODE_PATTERN.match(normalized):
        raise InvalidInput(
            details={"code": ["Letters, digits, '-' and '_', at most 50 characters."]}
        )
    return normalized


def cart_coupon_apply(
    *, owner: CartOwner, code: str, expected_version: int | None = None
) -> CartView:
    """Put a coupon on the cart (replacing any). Codes are case-insensitive: stored upper-cased.

    The coupon is checked against the cart it joins (`pricing.coupon_rejection`: unknown,
    expired, used up, minimum amount not reached, no qualifying item, …); the write is
    conditional on the version that check saw, so it cannot land on a different cart. Once
    on the cart, a coupon that stops qualifying stays, explained as not applied.
    Raises InvalidInput (malformed code), InvalidCoupon (details.reason), VersionMismatch.
    """
    _check_version(expected_version)
    code = _normalized_coupon_code(code)
    for _attempt in range(_COUPON_ATTEMPTS):
        view = cart_get(owner=owner, exact=False)
        if expected_version is not None and view.version != expected_version:
            raise VersionMismatch(view.version)
        reason = pricing.coupon_rejection(code=code, lines=view.priced_lines, user_id=owner.user_id)
        if reason:
            raise InvalidCoupon(reason=reason, coupon_code=code)
        try:
            stored = store.coupon_set(
                owner.key, ttl=owner.ttl, expected_version=view.version, code=code
            )
        except VersionMismatch:
            if expected_version is not None:
                raise
            continue
        return _view(owner, stored)
    raise VersionMismatch(cart_get(owner=owner, exact=False).version)


def cart_coupon_remove(*, owner: CartOwner, expected_version: int | None = None) -> CartView:
    """Take the coupon off the cart (no error when there is none). Raises VersionMismatch."""
    _check_version(expected_version)
    stored = store.coupon_set(
        owner.key, ttl=owner.ttl, expected_version=expected_version, code=None
    )
    return _view(owner, stored)


def cart_merge(
    *, user_id: UUID | str, cart_token: str, expected_version: int | None = None
) -> CartView:
    """Move the anonymous cart of `cart_token` into the user's cart, atomically.

    Same variant: quantities summed, capped at CART_MAX_LINE_QUANTITY; other lines join
    (keeping their price at add time) while the cart has room for them; the anonymous coupon
    is kept only when the user's cart has none. The anonymous cart is deleted, so its token
    then starts a new empty cart. An unknown or expired token merges nothing (idempotent, so
    a retried login or merge is harmless). No stock check: checkout checks.
    Raises InvalidInput naming `cart_token` when it is not a token we issue; VersionMismatch
    (of the user's cart).
    """
    _check_version(expected_version)
    if not cart_token_valid(cart_token):
        raise InvalidInput(details={"cart_token": ["Not a cart token."]})
    owner = CartOwner.for_user(user_id)
    stored = store.cart_merge(
        owner.key,
        store.anonymous_key(cart_token),
        ttl=owner.ttl,
        expected_version=expected_version,
        max_quantity=settings.CART_MAX_LINE_QUANTITY,
        max_lines=CART_MAX_LINES,
    )
    return _view(owner, stored)
