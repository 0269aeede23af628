from django.urls import re_path

from apps.inventory.api import views

# Canonical paths have no trailing slash; the same path with one also answers.
urlpatterns = [
    re_path(r"^warehouses/?$", views.WarehouseListCreateView.as_view(), name="warehouses"),
    re_path(r"^inventory/?$", views.StockLevelListView.as_view(), name="inventory-levels"),
    re_path(r"^inventory/adjust/?$", views.StockAdjustView.as_view(), name="inventory-adjust"),
    re_path(
        r"^inventory/movements/?$", views.MovementListView.as_view(), name="inventory-movements"
    ),
]
