from __future__ import annotations

from rest_framework import pagination


class PageNumberPagination(pagination.PageNumberPagination):
    """`?page=&page_size=` (default 20, capped at 100) in the envelope of API.md."""

    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100
