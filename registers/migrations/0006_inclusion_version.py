"""Inclusion items carry a version, so that a save based on a stale read is refused (issue 16)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("registers", "0005_id_number_mask_without_digits")]

    operations = [
        migrations.AddField(
            model_name="inclusionrecord",
            name="version",
            field=models.PositiveIntegerField(default=1),
        ),
    ]
