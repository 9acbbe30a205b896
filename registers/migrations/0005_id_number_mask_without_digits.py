"""The masked ID number kept beside the encrypted one showed the last four characters
(110***********001X); beside the birth date and the unit's division code they rebuilt the whole
number. Keep the first three only (110***************), as `identity.mask_id_number` now writes
it. The stored masked form is enough: no decryption, no key needed."""

from django.db import migrations
from django.db.models import Value
from django.db.models.functions import Concat, Left

VISIBLE = 3
LENGTH = 18  # every stored number is 18 characters (15-digit ones are converted on entry)


def keep_first_three(apps, schema_editor):
    Member = apps.get_model("registers", "Member")
    Member.objects.exclude(id_number_masked="").update(
        id_number_masked=Concat(
            Left("id_number_masked", VISIBLE), Value("*" * (LENGTH - VISIBLE))
        )
    )


class Migration(migrations.Migration):
    dependencies = [("registers", "0004_profile_checklist_entries")]

    operations = [migrations.RunPython(keep_first_three, migrations.RunPython.noop)]
