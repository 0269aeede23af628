from __future__ import annotations

from rest_framework import pagination
from rest_framework.exceptions import ValidationError
from rest_framework.utils.urls import remove_query_param, replace_query_param

PAGE_SIZE_MESSAGE = "Must be a positive integer (at most 100 are listed)."


class PageNumberPagination(pagination.PageNumberPagination):
    """`?page=&page_size=` (default 20, capped at 100) in the envelope of API.md.

    A `page_size` that is not a positive integer answers 400 naming it (DRF would silently
    use the default); an empty one means the default. The next/previous links are built
    from `request.page_url` when the view set one (a canonical URL, e.g. a cached page's
    key, free of the client's unknown parameters), else from the request's own URL.
    """

    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100

    def get_page_size(self, request):
        return page_size_of(request.query_params.get(self.page_size_query_param))

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"]["minimum"] = 1
            if parameter["name"] == self.page_size_query_param:
                parameter["description"] = (
                    f"Results per page: {self.page_size} by default, at most "
                    f"{self.max_page_size} (a larger size lists {self.max_page_size})."
                )
        return parameters

    def _page_url(self) -> str:
        return getattr(self.request, "page_url", None) or self.request.build_absolute_uri()

    def get_next_link(self):
        if not self.page.has_next():
            return None
        return replace_query_param(
            self._page_url(), self.page_query_param, self.page.next_page_number()
        )

    def get_previous_link(self):
        if not self.page.has_previous():
            return None
        number = self.page.previous_page_number()
        if number == 1:
            return remove_query_param(self._page_url(), self.page_query_param)
        return replace_query_param(self._page_url(), self.page_query_param, number)


def page_size_of(raw: str | None) -> int:
    """The page size a `page_size` query value asks for; raises ValidationError if invalid."""
    if raw is None or raw == "":
        return PageNumberPagination.page_size
    try:
        size = int(raw)
    except ValueError:
        size = 0
    if size < 1:
        raise ValidationError({PageNumberPagination.page_size_query_param: [PAGE_SIZE_MESSAGE]})
    return min(size, PageNumberPagination.max_page_size)


def page_number_of(raw: str | None) -> int | None:
    """The page number a `page` query value asks for, or None if it is not a positive integer
    (the paginator then answers 404, as DRF does)."""
    try:
        number = int(raw or 1)
    except ValueError:
        return None
    return number if number > 0 else None
