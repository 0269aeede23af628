from django.urls import path
from drf_spectacular.utils import extend_schema

from apps.inventory.api import views


def _route(route: str, view_class: type, name: str) -> list:
    """The canonical path (no trailing slash) and the same path with one, which also answers
    but stays out of the OpenAPI schema so every operation is documented once."""
    with_slash = extend_schema(exclude=True)(
        type(f"{view_class.__name__}WithSlash", (view_class,), {})
    )
    return [
        path(route, view_class.as_view(), name=name),
        path(f"{route}/", with_slash.as_view()),
    ]


urlpatterns = [
    *_route("warehouses", views.WarehouseListCreateView, "warehouses"),
    *_route("inventory", views.StockLevelListView, "inventory-levels"),
    *_route("inventory/adjust", views.StockAdjustView, "inventory-adjust"),
    *_route("inventory/movements", views.MovementListView, "inventory-movements"),
]
