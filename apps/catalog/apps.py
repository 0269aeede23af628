from shop.appconfig import BoundedContextConfig


class CatalogConfig(BoundedContextConfig):
    # Two AppConfig subclasses are visible in this module (the imported base too), so Django
    # would otherwise fall back to a plain AppConfig and never connect receivers.py.
    default = True
    name = "apps.catalog"
    label = "catalog"
