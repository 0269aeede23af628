from shop.appconfig import BoundedContextConfig


class PromotionsConfig(BoundedContextConfig):
    name = "apps.promotions"
    label = "promotions"
