from shop import appconfig


class CatalogConfig(appconfig.BoundedContextConfig):
    name = "apps.catalog"
    label = "catalog"
