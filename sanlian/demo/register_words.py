"""Chinese material for the demo registers: given names, occupations, reasons, titles.

These are data in the registers, as an office would type them, not interface text; the surnames
come from `orgs.demo_names`.
"""


def _words(text: str) -> list[str]:
    return text.split()


# Characters of given names, by the sex they are usual for.
MALE_CHARS = list(
    "伟强军勇杰涛明华建国平志文辉林斌波刚德海峰鹏超亮俊磊春生福贵荣成祥云东兴旺龙金宝正永"
)
FEMALE_CHARS = list("秀英兰桂芳丽娟霞梅玲燕红敏静琴萍凤珍翠莲艳婷雪慧娜芬玉花春琳月香")

# Mobile prefixes in common use; a landline area code for the few who give a fixed phone.
MOBILE_PREFIXES = _words(
    "133 135 136 137 138 139 150 151 152 155 157 158 159 166 173 177 180 181 182 186 187 188 "
    "189 191 199"
)
AREA_CODE = "0739"

# Occupations, by the kind of place and of person.
VILLAGE_OCCUPATIONS = [
    ("务农", 40),
    ("外出务工", 14),
    ("个体经营", 10),
    ("种养大户", 6),
    ("村干部", 5),
    ("乡村医生", 2),
    ("教师", 3),
    ("企业职工", 6),
    ("家庭主妇", 5),
    ("企业主", 2),
    ("手艺人", 3),
    ("村民小组长", 4),
]
ELDER_OCCUPATIONS = [
    ("务农", 45),
    ("教师(退休)", 14),
    ("退休干部", 12),
    ("退伍军人", 10),
    ("村干部(退休)", 8),
    ("乡村医生(退休)", 4),
    ("退休职工", 7),
]
YOUNG_OCCUPATIONS = [
    ("外出务工", 25),
    ("个体经营", 14),
    ("电商创业", 8),
    ("村干部", 8),
    ("教师", 10),
    ("乡村医生", 5),
    ("企业职工", 16),
    ("大学生村官", 4),
    ("务农", 10),
]
COMMUNITY_OCCUPATIONS = [
    ("社区工作者", 10),
    ("企业职工", 25),
    ("个体经营", 18),
    ("退休职工", 16),
    ("教师", 7),
    ("医护人员", 6),
    ("自由职业", 10),
    ("企业主", 3),
    ("家庭主妇", 5),
]
ENTERPRISE_OCCUPATIONS = [
    ("企业职工", 60),
    ("车间主任", 10),
    ("技术员", 12),
    ("管理人员", 10),
    ("后勤人员", 8),
]
URBAN_OCCUPATIONS = [
    ("个体经营", 30),
    ("企业职工", 25),
    ("进城务工", 25),
    ("企业主", 5),
    ("自由职业", 10),
    ("家政服务", 5),
]
# Occupations that make a recruitment category likely.
WEALTH_OCCUPATIONS = {"种养大户", "个体经营", "电商创业"}
ENTREPRENEUR_OCCUPATIONS = {"企业主"}
FIGURE_OCCUPATIONS = {"村干部", "乡村医生", "社区工作者", "村民小组长", "退休干部"}
CADRE_OCCUPATIONS = {"村干部", "社区工作者", "村干部(退休)", "村民小组长", "退休干部"}

WITHDRAWAL_REASONS = _words(
    "长期不参加协会活动，经理事会研究劝退 "
    "不履行会员义务，不起示范带头作用，经劝说退会 "
    "违反村规民约，经教育不改，劝其退会"
)
RESIGNATION_REASONS = _words("年老体弱，本人申请退会 常年外出务工，自愿退会 家务繁忙，本人申请退出")
MOVED_REASONS = _words("随子女迁居外地 婚嫁迁出 迁往外省定居 在县城购房迁出 外出务工定居")
DECEASED_REASONS = _words("病故 因病去世 年老病故")

TRAINING_LOCATIONS = _words("村部会议室 村文化活动中心 党员活动室 农家书屋 村卫生室")

COUNTY_TRAININGS = [
    ("全县村(居)计生协会会长培训班", ["presidents"]),
    ("全县计生协会秘书长业务培训", ["secretaries"]),
    ("三联创工作推进培训会", ["presidents", "secretaries"]),
    ("协会财务与档案管理培训", ["secretaries"]),
    ("计生协会信息化业务培训", ["secretaries"]),
    ("家庭健康促进骨干培训", ["presidents", "secretaries"]),
]
TOWNSHIP_TRAININGS = [
    ("协会理事业务培训", ["council"]),
    ("协会小组长培训会", ["group_leaders"]),
    ("村级协会会长、秘书长例会暨培训", ["presidents", "secretaries"]),
    ("“五好”协会小组创建培训", ["group_leaders", "council"]),
    ("生殖健康知识骨干培训", ["council", "group_leaders"]),
]
VILLAGE_TRAININGS = [
    "会员优生优育知识讲座",
    "生殖健康知识讲座",
    "防艾知识培训",
    "家庭养老照护培训",
    "种养实用技术培训",
    "电商技能培训",
    "婴幼儿照护知识讲座",
    "妇女“两癌”防治知识讲座",
    "计生政策宣传培训",
    "新型婚育文化讲座",
]

# Service activities: titles per carrier name, and the needs each usually serves.
ACTIVITY_TITLES = {
    "生育关怀": [
        "走访慰问计生特殊家庭",
        "计生困难家庭帮扶",
        "春节慰问独生子女家庭",
        "生育关怀送温暖",
    ],
    "幸福工程": ["幸福工程项目帮扶", "幸福工程贫困母亲救助", "幸福工程回访"],
    "防艾知识宣传教育": ["防艾知识进村入户", "世界艾滋病日宣传", "青少年防艾宣传"],
    "关爱妇女健康": ["妇女免费健康检查", "“两癌”筛查组织动员", "孕前优生健康检查宣传"],
    "计生村(居)民自治": ["村民自治章程修订会", "计生村民自治议事会", "村规民约宣传"],
    "三演": ["计生文艺演出", "婚育新风文艺汇演"],
    "五大工程": ["五大工程项目推进", "家庭发展能力建设活动"],
}
CARRIER_NEEDS = {
    "生育关怀": ["three_lives"],
    "幸福工程": ["three_lives"],
    "防艾知识宣传教育": ["reproductive_health"],
    "关爱妇女健康": ["reproductive_health"],
    "计生村(居)民自治": ["three_goods"],
    "三演": ["three_goods"],
    "五大工程": ["three_lives", "three_goods"],
}
CARRIER_WEIGHTS = {
    "生育关怀": 25,
    "幸福工程": 8,
    "防艾知识宣传教育": 12,
    "关爱妇女健康": 20,
    "计生村(居)民自治": 20,
    "三演": 9,
    "五大工程": 6,
}

INCLUSION_NOTES = {
    "agenda": "党委会专题研究计生协会工作",
    "supervision": "纳入乡镇党政督查事项",
    "assessment": "纳入年度计生工作目标考核",
    "deployed": "与计生工作同部署",
    "inspected": "与计生工作同检查",
    "assessed": "与计生工作同考核",
    "commended": "与计生工作同表彰",
}
