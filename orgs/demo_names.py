"""Chinese name material for the demo and generated trees, picked deterministically from a seed.

Nothing here names a real unit on purpose; the words are common place-name elements, so some
combinations exist somewhere in China, as they would in any invented county.
"""

import random
from collections.abc import Callable


def _words(text: str) -> list[str]:
    return text.split()


# Common single-character surnames (百家姓), for villages named after a clan (李家村, 王庄村).
SURNAMES = list(
    "李王张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛"
    "郝龚邵万钱严覃武戴莫孔向汤"
)

# Endings of clan-named villages; most are Hunan-style landforms (冲 valley, 坪 flat, 垄 ridge).
CLAN_ENDINGS = _words("家 庄 湾 坪 冲 塘 铺 桥 岭 垄 坳 寨 山 屋场")

# Two-character place words for townships, villages, counties.
PLACE_WORDS = _words(
    "青山 白沙 石门 桃花 枫林 龙泉 金塘 新华 红星 双江 河口 黄土 松柏 "
    "杨柳 梅溪 竹山 荷塘 莲花 凤凰 马鞍 大坪 长岭 高桥 清水 东山 太平 "
    "永兴 长乐 福田 兴隆 石桥 龙潭 金鸡 银杏 鹤岭 雁塘 云田 泉塘 花果 "
    "茶园 竹溪 樟树 梓山 柳林 杉木 沙坪 黄花 白鹤 青龙 金盆 宝塔 九龙 "
    "三星 五里 七星 十里 新塘 新桥 新安 丰收 同心 团结 光明 胜利 前进 "
    "水口 横山 大田 柏林 花桥 岩口 麻田 清溪 古塘 官桥 洪山 田心 湖田 "
    "渡头 泉水 横塘 塘湾 梅林 石塘 中和 仁和 义和 瑞丰 龙山 狮山"
)

# Words for streets and residential communities in the county seat.
STREET_WORDS = _words(
    "城东 城西 城南 城北 新城 滨江 文昌 中山 朝阳 人民 解放 建设 凤山 "
    "锦江 书院 河西 望城 金山 玉潭 龙城"
)
COMMUNITY_WORDS = _words(
    "幸福 和平 建设 友谊 朝阳 东风 新民 迎宾 滨江 文化 人民 解放 春晖 "
    "锦绣 翠竹 金桂 丹桂 桂花 紫荆 玉兰 康乐 安居 书香 育才 向阳 红旗 "
    "健康 民主 繁荣 和谐 阳光 花园 梅园 桃园 湘园 新村 站前 府前 学府 "
    "北苑"
)

# Enterprise associations (企业协会) are named after their company.
ENTERPRISE_TRADES = _words(
    "陶瓷有限公司 纺织有限公司 食品有限公司 建材有限公司 茶业有限公司 "
    "电子有限公司 鞋业有限公司 制衣厂 烟花厂 竹木制品厂 农业开发公司"
)

# Full names for the demo accounts and anything else that needs a person.
GIVEN_NAMES = _words(
    "建国 秀英 志强 桂兰 国栋 丽华 立新 文华 春梅 海燕 德明 玉珍 红霞 "
    "卫东 淑芬 振华 小平 金凤 长青 美玲"
)

_DIGITS = "零一二三四五六七八九"
_DIRECTIONS = "东西南北上下大小前后中新"


def chinese_number(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 20 → 二十, 105 → 一百零五 (for 1 ≤ n ≤ 9999)."""
    if not 1 <= n <= 9999:
        raise ValueError(n)
    if n < 20:
        return ("十" + (_DIGITS[n - 10] if n > 10 else "")) if n >= 10 else _DIGITS[n]
    text, pending_zero = "", False
    for value, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit, n = divmod(n, value)
        if digit:
            text += ("零" if pending_zero else "") + _DIGITS[digit] + unit
            pending_zero = False
        elif text:
            pending_zero = True
    return text


def group_name(n: int) -> str:
    """The n-th association group of a village: 第一小组, 第二小组…"""
    return f"第{chinese_number(n)}小组"


def migrant_group_name(home_village_name: str) -> str:
    """A group of an urban branch, named after the village its members come from."""
    return f"{home_village_name}进城小组"


class NamePicker:
    """Draws names from the word lists with one seeded random generator.

    Every method takes the set of names already used under the same parent and returns one not in
    it (and adds it), so that siblings never clash. Lists are only ever indexed, never built from
    sets, so that the same seed always gives the same names.
    """

    def __init__(self, rng: random.Random):
        self.rng = rng

    def _unique(self, make: Callable[[], str], used: set[str]) -> str:
        for _attempt in range(40):
            name = make()
            if name not in used:
                used.add(name)
                return name
        base = make()
        for prefix in _DIRECTIONS:
            if prefix + base not in used:
                used.add(prefix + base)
                return prefix + base
        n = 2
        while f"{base}{n}" in used:
            n += 1
        used.add(f"{base}{n}")
        return f"{base}{n}"

    def place(self, suffix: str, used: set[str]) -> str:
        return self._unique(lambda: self.rng.choice(PLACE_WORDS) + suffix, used)

    def street(self, used: set[str]) -> str:
        return self._unique(lambda: self.rng.choice(STREET_WORDS) + "街道", used)

    def community(self, used: set[str]) -> str:
        return self._unique(lambda: self.rng.choice(COMMUNITY_WORDS) + "社区", used)

    def village(self, used: set[str]) -> str:
        def make() -> str:
            if self.rng.random() < 0.7:
                return self.rng.choice(SURNAMES) + self.rng.choice(CLAN_ENDINGS) + "村"
            return self.rng.choice(PLACE_WORDS) + "村"

        return self._unique(make, used)

    def enterprise(self, used: set[str]) -> str:
        return self._unique(
            lambda: self.rng.choice(PLACE_WORDS) + self.rng.choice(ENTERPRISE_TRADES) + "计生协会",
            used,
        )

    def person(self, used: set[str]) -> str:
        return self._unique(lambda: self.rng.choice(SURNAMES) + self.rng.choice(GIVEN_NAMES), used)
