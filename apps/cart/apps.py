from shop.appconfig import BoundedContextConfig


class CartConfig(BoundedContextConfig):
    name = "apps.cart"
    label = "cart"
