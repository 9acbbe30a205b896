"""The user guides name buttons, menus and messages as the interface shows them: every label a
guide quotes (“…”) is a string of the interface, in the guide's language — the Chinese guide's
in the catalogues' translations, the English guide's among their msgids. A renamed button makes
this fail until the guide follows. Quotes that are not labels (demo names, examples, labels put
together from two strings) are listed in NOT_LABELS."""

import re
from pathlib import Path

import polib
import pytest
from django.conf import settings

BASE_DIR = Path(settings.BASE_DIR)
PLACEHOLDER = re.compile(r"%\(\w+\)[sdf]|%[sd]|\{\{[^}]*\}\}|\d+")
PARTS = re.compile(r"\s*(?:→|——|—)\s*")
NOT_LABELS = {
    "zh": {
        "2026年度三联创评估",  # the demo's round
        "三联创 2024–2028",  # the demo's campaign
        "五里镇 2026年度",  # the demo's township
        "一个单位在一个轮次申报一个称号",  # the guide's definition
        "张三(身份证号)",  # how to write a name
        "极速模式",  # the browsers' word
        "以××村名义申报‘合格村(居)协会’",  # unit and title put into the label
        "预审（乡镇(街道)）",  # stage and level put together
        "验收（乡镇(街道)）",
        "五好小组达到50%以上",  # an item of the shipped standard: data, not a catalogue string
    },
    "en": {
        "2026 Sanlian assessment",
        "Sanlian 2024–2028",
        "one unit applying for one title in one round",
        "Zhang San (ID number)",
        "speed mode",
        "Apply for “Qualified village association” as … village",
        "Pre-review (township)",
        "Acceptance (township)",
    },
}


def _normal(text: str) -> str:
    text = text.replace("‘", "“").replace("’", "”").replace("××村", "N").replace("××", "N")
    return re.sub(r"\s+", "", PLACEHOLDER.sub("N", text)).lower()  # Django admin capitalises


def _interface(language: str) -> str:
    strings = []
    for po in BASE_DIR.glob("**/locale/zh_Hans/LC_MESSAGES/django.po"):
        if ".venv" in po.parts:
            continue
        for entry in polib.pofile(str(po)):
            if language == "zh":
                strings += [entry.msgstr, *entry.msgstr_plural.values()]
            else:
                strings += [entry.msgid, entry.msgid_plural]
    return "\n".join(_normal(s) for s in strings if s)


def quoted_labels(guide: Path, language: str) -> list[str]:
    labels = set(re.findall(r"“([^”“]+)”", guide.read_text(encoding="utf-8")))
    return sorted(" ".join(label.split()) for label in labels - NOT_LABELS[language])


@pytest.mark.parametrize(("language", "guide"), [("zh", "guide.zh.md"), ("en", "guide.en.md")])
def test_every_label_the_guide_quotes_is_in_the_interface(language, guide):
    path = BASE_DIR / "docs" / guide
    interface = _interface(language)
    labels = quoted_labels(path, language)
    assert len(labels) > 60, "the guide should name what it tells people to click"
    missing = [
        label
        for label in labels
        if not all(_normal(part) in interface for part in PARTS.split(label) if part)
    ]
    assert missing == [], f"{guide} quotes labels the interface does not show: {missing}"


def test_a_renamed_button_is_caught():
    interface = _interface("zh")
    assert _normal("保存评分") in interface
    assert _normal("新建轮次") not in interface  # the guide's old name for 新建年度考评
