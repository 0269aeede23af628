"""The search app's domain errors (public): each has a stable `code` and `http_status`."""

from __future__ import annotations

from shop.errors import Conflict, InvalidInput, NotFound


class InvalidSearch(InvalidInput):
    """A search or suggest request broke a rule (blank or over-long `q`, unknown sort,
    negative or inverted price bounds, a page past the result window); `details` names the
    parameters."""

    default_message = "Invalid search."


class SearchPageNotFound(NotFound):
    """A page past the last page of results (page 1 of no results is an empty page)."""

    default_message = "Invalid page."


class SearchBackendUnavailable(Exception):
    """Elasticsearch could not be reached or failed (not a client error). Reads fall back to
    PostgreSQL; indexing tasks retry. Never shown to API clients."""


class SearchRebuildRunning(Conflict):
    """Another rebuild holds the rebuild lock (one at a time: an Elasticsearch rebuild drops
    the half-built index of a rebuild it finds)."""

    default_message = "A search rebuild is already running."
