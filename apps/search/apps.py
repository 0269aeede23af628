from shop import appconfig


class SearchConfig(appconfig.BoundedContextConfig):
    name = "apps.search"
    label = "search"
