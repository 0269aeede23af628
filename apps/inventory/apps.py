from shop import appconfig


class InventoryConfig(appconfig.BoundedContextConfig):
    name = "apps.inventory"
    label = "inventory"
