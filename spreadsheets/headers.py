"""The one table of header synonyms: what offices write above a template's columns.

Every import kind matches its headers here (through `spreadsheets.columns.Column`), so a header
learnt once is learnt for every kind, including a kind added later. Two layers:

- `header_key` reduces any header to a key: full-width characters half-width, no spaces (“姓 名”),
  no brackets of either width (村(居) = 村（居） = 村居), no marks such as * or ：, and the word
  families below written one way (所在村(居)编码 = 所属村居代码).
- `SYNONYMS` lists, per template header, the other names people give the same column. A header
  matches a column when its key equals the key of the template header or of one of its synonyms.

The help page of each template (registers: `import/templates/<kind>/`) shows both tables.
"""

from django.utils.translation import gettext_lazy

from spreadsheets.normalise import clean

# (the word as the key writes it, the words written for it): applied to every header.
WORD_FAMILIES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("所属", ("所在", "隶属")),
    ("代码", ("行政区划代码", "统计用区划代码", "区划代码", "编码")),
    ("日期", ("时间",)),
    ("村居", ("村社区", "村居委会")),
)
# Why the families: each pair is used by offices for the same column in the same forms (所在 and
# 所属 村; a 村's 代码 is its 行政区划代码; 入会时间 or 入会日期), so no template column may
# differ by these words alone (a test checks every layout).

WORD_FAMILY_LABELS = {
    "所属": gettext_lazy("所在, 隶属 are read as 所属"),
    "代码": gettext_lazy("行政区划代码, 区划代码, 编码 are read as 代码"),
    "日期": gettext_lazy("时间 is read as 日期"),
    "村居": gettext_lazy("村(居), 村（居）, 村社区 are read as 村居"),
}

_UNIT_CODE = ("单位代码", "村(居)代码", "所属村(居)代码", "行政区划代码", "所属单位代码")

# Template header → the other names offices write for it. Keep each template header once.
SYNONYMS: dict[str, tuple[str, ...]] = {
    # org units
    "单位名称": ("名称", "协会名称", "单位", "协会"),
    "层级": ("级别", "单位层级"),
    "类别": ("单位类别", "类型", "单位类型"),
    "行政区划代码": ("统计用区划代码", "代码", "本级代码"),
    "上级代码": ("上级行政区划代码", "上级单位代码", "上级单位编码"),
    "人口": ("人口数", "总人口", "人口(人)"),
    "户数": ("总户数", "户数(户)"),
    "新农村建设重点村": ("重点村", "是否新农村建设重点村", "是否重点村"),
    "流出地村(居)代码": ("流出地代码", "流出地村代码"),
    # members
    "姓名": ("会员姓名", "名字", "任职人", "担任人", "任职人姓名"),
    "性别": (),
    "出生日期": ("出生年月日", "出生年月", "生日"),
    "身份证号码": ("身份证号", "公民身份号码", "公民身份证号码", "身份证", "证件号码"),
    "联系电话": ("手机", "手机号", "手机号码", "联系方式", "电话", "电话号码", "移动电话"),
    "所属村(居)代码": ("村(居)代码", "村代码", "社区代码", "村(社区)代码"),
    "所属小组": ("小组", "协会小组", "小组名称"),
    "会员类别": ("类别", "会员类型", "发展类别"),
    "入会日期": (),
    "文化程度": ("学历",),
    "职业": ("从事职业",),
    # posts
    "所属单位代码": tuple(h for h in _UNIT_CODE if h != "所属单位代码"),
    "职务": ("职位", "岗位"),
    "任职日期": ("任职开始日期", "开始日期"),
    "离任日期": ("任职结束日期", "结束日期", "卸任日期"),
    "备注": (),
    # trainings
    "组织单位代码": _UNIT_CODE,
    "培训日期": ("日期",),
    "培训主题": ("主题", "培训内容", "培训名称"),
    "培训对象": ("对象",),
    "学时": ("课时", "时长(小时)"),
    "培训地点": ("地点",),
    "参训人员": ("参加人员", "参训会员", "参训人", "参加培训人员", "学员"),
    # service activities
    "单位代码": ("组织单位代码", *_UNIT_CODE[1:]),
    "活动日期": ("日期",),
    "活动载体": ("载体", "项目", "载体/项目"),
    "服务需求": ("需求",),
    "活动名称": ("名称", "活动主题"),
    "活动内容": ("内容", "活动简介"),
    "服务人数": ("受益人数", "服务人次"),
    "经费(元)": ("经费", "投入经费", "资金(元)", "资金"),
}

_MARKS = "*:：※"
_BRACKETS = str.maketrans("", "", "()（）[]【】")


def header_key(value) -> str:
    """A header reduced for matching (see the module doc): 所在村（居）编码 → 所属村居代码."""
    text = clean(value).replace(" ", "").strip(_MARKS).translate(_BRACKETS)
    for word, written in WORD_FAMILIES:
        for form in written:
            text = text.replace(form, word)
    return text


def synonyms_of(header: str) -> tuple[str, ...]:
    return SYNONYMS.get(header, ())
