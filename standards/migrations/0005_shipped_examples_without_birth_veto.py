"""The shipped examples lose the veto for births outside the policy and their 双查 items: since
the 2021 policy they no longer fit. A database installed before keeps the old wording in its
shipped examples (version 0); they are brought in line with the files unless a round has pinned
them (a pinned version never changes). A county's own copies are its own and stay as they are."""

from django.db import migrations

OLD_WORDS = ("双查", "政策外生育", "计划外生育")


def update_shipped_examples(apps, schema_editor):
    Standard = apps.get_model("standards", "Standard")
    Item = apps.get_model("standards", "Item")
    from standards.defaults import default_documents

    documents = {data.title: data for _name, data in default_documents()}
    new = {
        (title, item.number): item
        for title, data in documents.items()
        for section in data.sections
        for item in section.items
    }
    examples = Standard.objects.filter(version=0, unit__isnull=True, is_example=True)
    for standard in examples.filter(round_titles__isnull=True):
        for item in Item.objects.filter(section__standard=standard):
            if not any(word in item.text for word in OLD_WORDS):
                continue
            replacement = new.get((standard.title, item.number))
            if replacement is None or item.is_veto:
                item.delete()
                continue
            item.text = replacement.text
            item.guidance = replacement.guidance
            item.evidence_asked = replacement.evidence_asked
            item.is_assumption = replacement.is_assumption
            item.save()
        if standard.title in documents:
            standard.description = documents[standard.title].description
            standard.save(update_fields=["description"])


class Migration(migrations.Migration):
    dependencies = [("standards", "0004_standard_validity_years")]

    operations = [migrations.RunPython(update_shipped_examples, migrations.RunPython.noop)]
