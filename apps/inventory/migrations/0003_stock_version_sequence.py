# The version every stock.changed event carries: taken with nextval() under the variant's
# stock row locks, so a later change of a variant always has a higher version (not the clock).

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('inventory', '0002_admin_list_indexes'),
    ]

    operations = [
        migrations.RunSQL(
            "CREATE SEQUENCE inventory_stock_version_seq AS bigint",
            reverse_sql="DROP SEQUENCE inventory_stock_version_seq",
        ),
    ]
