from django.apps import apps

from shop.appconfig import BoundedContextConfig


def test_every_app_uses_the_config_that_connects_its_receivers():
    configs = [config for config in apps.get_app_configs() if config.name.startswith("apps.")]
    assert len(configs) == 8
    assert all(isinstance(config, BoundedContextConfig) for config in configs)
