from shop.appconfig import BoundedContextConfig


class InventoryConfig(BoundedContextConfig):
    name = "apps.inventory"
    label = "inventory"
