"""The two shipping methods every shop starts with (API.md, Totals); staff edit them later."""

from decimal import Decimal

from django.db import migrations

METHODS = [
    {"code": "standard", "name": "Standard", "price": Decimal("5.00"),
     "free_over": Decimal("50.00"), "position": 1},
    {"code": "express", "name": "Express", "price": Decimal("15.00"),
     "free_over": None, "position": 2},
]


def create(apps, schema_editor):
    ShippingMethod = apps.get_model("orders", "ShippingMethod")
    for method in METHODS:
        ShippingMethod.objects.get_or_create(code=method["code"], defaults=method)


def remove(apps, schema_editor):
    ShippingMethod = apps.get_model("orders", "ShippingMethod")
    ShippingMethod.objects.filter(code__in=[m["code"] for m in METHODS]).delete()


class Migration(migrations.Migration):
    dependencies = [("orders", "0001_initial")]

    operations = [migrations.RunPython(create, remove)]
