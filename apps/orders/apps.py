from shop.appconfig import BoundedContextConfig


class OrdersConfig(BoundedContextConfig):
    name = "apps.orders"
    label = "orders"
