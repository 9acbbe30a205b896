"""Profiles written by the demo before 2026-12 held each 八有 item as a bare true/false; the
pages, the API and the service hold {"present": …, "note": …}. Turn the bare ones into that."""

from django.db import migrations


def entry_of(value) -> dict:
    if isinstance(value, dict):
        return {"present": bool(value.get("present")), "note": str(value.get("note") or "")}
    return {"present": bool(value), "note": ""}


def normalise_checklists(apps, schema_editor):
    AssociationProfile = apps.get_model("registers", "AssociationProfile")
    changed = []
    for profile in AssociationProfile.objects.only("pk", "checklist").iterator(chunk_size=1000):
        checklist = profile.checklist if isinstance(profile.checklist, dict) else {}
        fixed = {str(code): entry_of(value) for code, value in checklist.items()}
        if fixed != profile.checklist:
            profile.checklist = fixed
            changed.append(profile)
        if len(changed) >= 1000:
            AssociationProfile.objects.bulk_update(changed, ["checklist"])
            changed = []
    AssociationProfile.objects.bulk_update(changed, ["checklist"])


class Migration(migrations.Migration):
    dependencies = [("registers", "0003_member_fk_indexes_covered")]

    operations = [migrations.RunPython(normalise_checklists, migrations.RunPython.noop)]
