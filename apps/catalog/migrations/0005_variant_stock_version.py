from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('catalog', '0004_product_name_trigram_index'),
    ]

    operations = [
        migrations.AddField(
            model_name='variant',
            name='stock_version',
            field=models.BigIntegerField(blank=True, null=True),
        ),
    ]
