from shop.appconfig import BoundedContextConfig


class SearchConfig(BoundedContextConfig):
    name = "apps.search"
    label = "search"
