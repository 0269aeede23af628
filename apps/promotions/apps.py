from shop import appconfig


class PromotionsConfig(appconfig.BoundedContextConfig):
    name = "apps.promotions"
    label = "promotions"
