import factory

from apps.inventory.models import Warehouse


class WarehouseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Warehouse

    code = factory.Sequence(lambda n: f"WH{n:04d}")
    name = factory.Sequence(lambda n: f"Warehouse {n}")
    priority = factory.Sequence(lambda n: 10 + n)
    active = True
