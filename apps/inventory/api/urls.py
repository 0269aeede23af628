from apps.inventory.api import views
from shop.api.routing import api_route

urlpatterns = [
    *api_route("warehouses", views.WarehouseListCreateView, "warehouses"),
    *api_route("inventory", views.StockLevelListView, "inventory-levels"),
    *api_route("inventory/adjust", views.StockAdjustView, "inventory-adjust"),
    *api_route("inventory/movements", views.MovementListView, "inventory-movements"),
]
