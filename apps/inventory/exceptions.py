"""Inventory's domain errors: stable codes, rendered by shop.api.exceptions."""

from __future__ import annotations

from shop.errors import Conflict, InvalidInput, NotFound

__all__ = [
    "InsufficientStock",
    "InvalidInput",
    "ReservationNotFound",
    "StockConflict",
]


class InsufficientStock(Conflict):
    """details: {"items": [{"variant_id", "requested", "available"}]}, one per short variant."""

    code = "insufficient_stock"
    default_message = "Not enough stock."


class StockConflict(Conflict):
    """A change would take a level's quantity below what is reserved (or below zero)."""

    default_message = "The change would take the stock below what is reserved."


class ReservationNotFound(NotFound):
    default_message = "No reservation for this order."
