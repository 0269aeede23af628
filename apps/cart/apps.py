from shop.appconfig import BoundedContextConfig


class CartConfig(BoundedContextConfig):
    # apps.py also holds the imported BoundedContextConfig; with two AppConfig subclasses in
    # the module Django would silently fall back to a plain AppConfig (and never connect
    # receivers.py) unless this one is marked as the default.
    default = True
    name = "apps.cart"
    label = "cart"
