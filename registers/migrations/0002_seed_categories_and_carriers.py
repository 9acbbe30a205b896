from django.db import migrations

from registers.defaults import ensure_default_lists


def seed(apps, schema_editor):
    ensure_default_lists(
        apps.get_model("registers", "RecruitmentCategory"), apps.get_model("registers", "Carrier")
    )


class Migration(migrations.Migration):
    dependencies = [("registers", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
