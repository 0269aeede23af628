# Idempotency keys are claimed before the work (state in_progress) and completed after it,
# instead of being written in the work's own transaction.

import django.core.serializers.json
import django.utils.timezone
import uuid
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('shop', '0001_initial'),
    ]

    operations = [
        migrations.RenameField(
            model_name='idempotencyrecord',
            old_name='fingerprint',
            new_name='request_hash',
        ),
        # Records written before this migration are stored answers.
        migrations.AddField(
            model_name='idempotencyrecord',
            name='state',
            field=models.CharField(default='completed', max_length=12),
            preserve_default=False,
        ),
        migrations.AlterField(
            model_name='idempotencyrecord',
            name='state',
            field=models.CharField(choices=[('in_progress', 'in progress'), ('completed', 'completed')], default='in_progress', max_length=12),
        ),
        migrations.AddField(
            model_name='idempotencyrecord',
            name='claim',
            field=models.UUIDField(default=uuid.uuid4),
        ),
        migrations.AddField(
            model_name='idempotencyrecord',
            name='claimed_at',
            field=models.DateTimeField(default=django.utils.timezone.now),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name='idempotencyrecord',
            name='completed_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AlterField(
            model_name='idempotencyrecord',
            name='status_code',
            field=models.PositiveSmallIntegerField(blank=True, null=True),
        ),
        migrations.AlterField(
            model_name='idempotencyrecord',
            name='body',
            field=models.JSONField(blank=True, encoder=django.core.serializers.json.DjangoJSONEncoder, null=True),
        ),
        migrations.AlterField(
            model_name='idempotencyrecord',
            name='created_at',
            field=models.DateTimeField(db_index=True),
        ),
    ]
