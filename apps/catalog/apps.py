from shop.appconfig import BoundedContextConfig


class CatalogConfig(BoundedContextConfig):
    name = "apps.catalog"
    label = "catalog"
