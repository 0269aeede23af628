"""Reading ops' checkout counter (shop.metrics.CHECKOUTS) around a block."""

from __future__ import annotations

import contextlib

from prometheus_client import REGISTRY

from shop.metrics import CHECKOUT_OUTCOMES


def _values() -> dict[str, float]:
    return {
        outcome: REGISTRY.get_sample_value("shop_checkouts_total", {"outcome": outcome}) or 0.0
        for outcome in CHECKOUT_OUTCOMES
    }


@contextlib.contextmanager
def checkouts_counted():
    """Yields a function answering {outcome: increase} since the block began (non-zero)."""
    before = _values()

    def counted() -> dict[str, float]:
        after = _values()
        return {k: after[k] - before[k] for k in after if after[k] != before[k]}

    yield counted
