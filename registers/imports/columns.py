"""The org and member columns as the files name them, and the words a cell may use for a choice."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from orgs.models import Category, Level
from registers.models import (
    Education,
    Sex,
)
from spreadsheets.columns import Column
from spreadsheets.normalise import (
    clean,
)
from spreadsheets.reading import UnreadableFile

# Column layouts: the template headers. What offices also write for them is in the one synonym
# table, spreadsheets.headers.SYNONYMS (shown on each template's help page).

ORG_COLUMNS = [
    Column("name", "单位名称", required=True),
    Column("level", "层级", required=True),
    Column("category", "类别"),
    Column("division_code", "行政区划代码"),
    Column("parent_code", "上级代码"),
    Column("population", "人口"),
    Column("households", "户数"),
    Column("is_key_village", "新农村建设重点村"),
    Column("home_village_code", "流出地村(居)代码"),
]

MEMBER_COLUMNS = [
    Column("name", "姓名", required=True),
    Column("sex", "性别"),
    Column("birth_date", "出生日期"),
    Column("id_number", "身份证号码"),
    Column("phone", "联系电话"),
    Column("unit_code", "所属村(居)代码", required=True),
    Column("group", "所属小组"),
    Column("categories", "会员类别"),
    Column("join_date", "入会日期"),
    Column("education", "文化程度"),
    Column("occupation", "职业"),
]

LAYOUTS = {"orgs": ORG_COLUMNS, "members": MEMBER_COLUMNS}


def layout_for(kind: str) -> list[Column]:
    if kind not in LAYOUTS:
        raise UnreadableFile(
            _("Importing %(kind)s from a spreadsheet is not available yet.") % {"kind": kind}
        )
    return LAYOUTS[kind]


# Words offices write, to stored values (shared with the exporters, which write the first).

LEVEL_WORDS: dict[int, tuple[str, ...]] = {
    Level.PROVINCE: ("省", "省级", "province"),
    Level.CITY: ("市", "市级", "地级市", "州", "city"),
    Level.COUNTY: ("县", "县级", "区", "县(区)", "县(市、区)", "县/区", "县区", "county"),
    Level.TOWNSHIP: (
        "乡镇(街道)",
        "乡镇",
        "乡镇/街道",
        "乡镇街道",
        "街道",
        "乡",
        "镇",
        "township",
    ),
    Level.VILLAGE: ("村(居)", "村", "村居", "村/社区", "社区", "居", "村(社区)", "village"),
    Level.GROUP: ("小组", "组", "协会小组", "group"),
}
# A level written as 乡, 镇, 街道, 村 or 社区 also says the category when that column is blank.
LEVEL_IMPLIES_CATEGORY = {
    "乡": Category.TOWNSHIP,
    "镇": Category.TOWN,
    "街道": Category.STREET,
    "村": Category.VILLAGE,
    "社区": Category.COMMUNITY,
    "居": Category.COMMUNITY,
}
CATEGORY_WORDS: dict[str, tuple[str, ...]] = {
    Category.STREET: ("街道",),
    Category.TOWNSHIP: ("乡",),
    Category.TOWN: ("镇",),
    Category.URBAN_BRANCH: ("城关分会", "分会", "urban_branch"),
    Category.VILLAGE: ("村",),
    Category.COMMUNITY: ("社区", "居", "居委会", "居民委员会", "community"),
    Category.ENTERPRISE: ("企业协会", "企业", "enterprise_association"),
}
SEX_WORDS = {
    Sex.MALE: ("男", "男性", "m", "male"),
    Sex.FEMALE: ("女", "女性", "f", "female"),
}
EDUCATION_WORDS = {
    Education.PRIMARY: ("小学及以下", "小学", "文盲", "半文盲", "不识字", "primary"),
    Education.JUNIOR: ("初中", "junior"),
    Education.SENIOR: (
        "高中/中专",
        "高中",
        "中专",
        "职高",
        "技校",
        "高中(中专)",
        "中技",
        "senior",
    ),
    Education.COLLEGE: ("大专", "专科", "高职", "college"),
    Education.UNIVERSITY: (
        "本科及以上",
        "本科",
        "大学",
        "大学本科",
        "研究生",
        "硕士",
        "博士",
        "university",
    ),
}


def _reverse(words: dict) -> dict[str, Any]:
    return {clean(word).lower(): value for value, forms in words.items() for word in forms}


LEVEL_BY_WORD = _reverse(LEVEL_WORDS)
CATEGORY_BY_WORD = _reverse(CATEGORY_WORDS)
SEX_BY_WORD = _reverse(SEX_WORDS)
EDUCATION_BY_WORD = _reverse(EDUCATION_WORDS)


def word_for(words: dict, value) -> str:
    """The first (template) word for a stored value, for exports."""
    forms = words.get(value)
    return forms[0] if forms else ""
