from apps.promotions.api import views
from shop.api.routing import api_route

urlpatterns = [
    *api_route("promotions", views.PromotionListCreateView, "promotions"),
    *api_route("promotions/<uuid:promotion_id>", views.PromotionDetailView, "promotion"),
]
