from apps.search.api import views
from shop.api.routing import api_route

urlpatterns = [
    *api_route("search", views.SearchView, "search", fast=views.search_fast),
    *api_route("search/suggest", views.SearchSuggestView, "search-suggest", fast=views.search_fast),
]
