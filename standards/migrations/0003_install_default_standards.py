from django.db import migrations


def install(apps, schema_editor):
    from standards.defaults import install_default_standards

    install_default_standards(models=apps)


class Migration(migrations.Migration):
    dependencies = [
        ("standards", "0002_standard_unit_and_pass_rule_assumption"),
        ("orgs", "0001_initial"),
    ]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
