import importlib
import importlib.util

from django.apps import AppConfig


class BoundedContextConfig(AppConfig):
    """The AppConfig of every app under apps/: connects its receivers.py when it has one.

    Apps subclass it as `appconfig.BoundedContextConfig` (importing the module, not the class):
    with two AppConfig classes in an apps.py, Django would silently use a plain AppConfig and
    never connect the receivers.
    """

    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        if importlib.util.find_spec(f"{self.name}.receivers"):
            importlib.import_module(f"{self.name}.receivers")
