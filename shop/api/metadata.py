"""What `OPTIONS` answers on API views (DEFAULT_METADATA_CLASS)."""

from __future__ import annotations

from rest_framework.metadata import SimpleMetadata


class Metadata(SimpleMetadata):
    """DRF's metadata without its `actions`: those describe request bodies by instantiating
    the view's serializer and object (`get_object()`), which our service-backed views do not
    have (a 500 on OPTIONS). The OpenAPI schema at /api/schema/ documents every body; the
    Allow header still lists the methods."""

    def determine_metadata(self, request, view):
        metadata = super().determine_metadata(request, view)
        metadata.pop("actions", None)
        return metadata

    def determine_actions(self, request, view):
        return {}
