from shop import appconfig


class CartConfig(appconfig.BoundedContextConfig):
    name = "apps.cart"
    label = "cart"
