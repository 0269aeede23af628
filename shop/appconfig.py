import importlib
import importlib.util

from django.apps import AppConfig


class BoundedContextConfig(AppConfig):
    """The AppConfig of every app under apps/: imports its receivers.py and metrics.py.

    Apps subclass it as `appconfig.BoundedContextConfig` (importing the module, not the class):
    with two AppConfig classes in an apps.py, Django would silently use a plain AppConfig and
    never connect the receivers.
    """

    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # receivers.py connects event handlers; metrics.py registers scrape-time gauges
        # (shop.metrics.scrape_gauge).
        for module in ("receivers", "metrics"):
            if importlib.util.find_spec(f"{self.name}.{module}"):
                importlib.import_module(f"{self.name}.{module}")
