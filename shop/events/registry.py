from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any
from uuid import UUID

EventHandler = Callable[[UUID, dict[str, Any]], None]

_handlers: dict[str, dict[str, EventHandler]] = defaultdict(dict)


def handler(event_name: str) -> Callable[[EventHandler], EventHandler]:
    """Register `func(event_id, payload)` for `event_name`; it must be idempotent by event id."""

    def register(func: EventHandler) -> EventHandler:
        _handlers[event_name][f"{func.__module__}.{func.__qualname__}"] = func
        return func

    return register


def handlers_for(event_name: str) -> dict[str, EventHandler]:
    return dict(_handlers.get(event_name, {}))


def handled_event_names() -> list[str]:
    """The event names some handler is registered for (the others need no delivery)."""
    return sorted(name for name, handlers in _handlers.items() if handlers)
