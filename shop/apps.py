from django.apps import AppConfig


class ShopConfig(AppConfig):
    """The project package as an app, so its operator commands (`preflight`, `db_create`) load."""

    name = "shop"
    label = "shop"
    verbose_name = "Shop plumbing"
