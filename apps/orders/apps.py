from shop import appconfig


class OrdersConfig(appconfig.BoundedContextConfig):
    name = "apps.orders"
    label = "orders"
