from django.db import migrations

# The plan's own words; both lists stay editable in the admin.
CATEGORIES = [
    ("five_elders", "五老"),
    ("young_educated", "年轻有文化"),
    ("wealth_creator", "致富能手"),
    ("entrepreneur", "民营企业家"),
    ("community_figure", "社会能人"),
]
CARRIERS = [
    ("生育关怀", False),
    ("幸福工程", False),
    ("防艾知识宣传教育", False),
    ("关爱妇女健康", False),
    ("计生村(居)民自治", False),
    ("三演", True),
    ("五大工程", True),
]


def seed(apps, schema_editor):
    category = apps.get_model("registers", "RecruitmentCategory")
    for order, (code, name) in enumerate(CATEGORIES, start=1):
        category.objects.get_or_create(code=code, defaults={"name": name, "sort_order": order})
    carrier = apps.get_model("registers", "Carrier")
    for order, (name, is_local) in enumerate(CARRIERS, start=1):
        carrier.objects.get_or_create(
            name=name, defaults={"is_local": is_local, "sort_order": order}
        )


class Migration(migrations.Migration):
    dependencies = [("registers", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
