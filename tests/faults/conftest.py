"""Fault tests: a backing service fails under a real request and the shop keeps its promise.

Marked `faults` (pytest -m faults runs only them); the checkout fixtures come from orders.
"""

from tests.orders.conftest import (  # noqa: F401 (fixtures)
    fill_cart,
    make_variant,
    pay,
    place,
    shipping_methods,
    warehouse,
)
from tests.payments.stripe_double import stripe_double  # noqa: F401 (a fixture)
