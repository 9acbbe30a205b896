"""The plan's recruitment categories and carriers: seeded by a migration, editable afterwards."""

CATEGORIES = [
    ("five_elders", "五老"),
    ("young_educated", "年轻有文化"),
    ("wealth_creator", "致富能手"),
    ("entrepreneur", "民营企业家"),
    ("community_figure", "社会能人"),
]
# (name, is_local): the last two are not defined in the plan and are to be confirmed locally.
CARRIERS = [
    ("生育关怀", False),
    ("幸福工程", False),
    ("防艾知识宣传教育", False),
    ("关爱妇女健康", False),
    ("计生村(居)民自治", False),
    ("三演", True),
    ("五大工程", True),
]


def ensure_default_lists(category_model, carrier_model) -> None:
    """Create the default rows that are missing (a flushed test database, say)."""
    for order, (code, name) in enumerate(CATEGORIES, start=1):
        category_model.objects.get_or_create(
            code=code, defaults={"name": name, "sort_order": order}
        )
    for order, (name, is_local) in enumerate(CARRIERS, start=1):
        carrier_model.objects.get_or_create(
            name=name, defaults={"is_local": is_local, "sort_order": order}
        )
