"""The user guide's steps, clicked in the demo: each role's account follows the links the guide
names from its home page, and every page shows the buttons the guide tells it to click there.

The demo county's tree, accounts and campaign are built as for the guide's screenshots (its
registers are left out), in Chinese, through the test client. Pages are reached by their links,
never by ids, so a moved button or a step that lands elsewhere fails here."""

import re

import pytest
from django.db import transaction
from django.test import Client
from django.utils import translation

from sanlian.demo.tree import DEFAULT_SEED, build_demo_tree
from sanlian.management.commands.demo import build_demo_campaign, create_demo_accounts

pytestmark = pytest.mark.django_db
PASSWORD = "guide-steps-password"


@pytest.fixture
def demo(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with transaction.atomic():
        tree = build_demo_tree(DEFAULT_SEED)
        users = create_demo_accounts(tree, PASSWORD)
        build_demo_campaign(tree, users, DEFAULT_SEED)
    translation.deactivate()
    return {user.username: user for user in users}


class Reader:
    """One account in the browser: opens pages, finds links by their text, reads labels."""

    def __init__(self, user):
        self.client = Client(headers={"Accept-Language": "zh-hans"})
        self.client.force_login(user)

    def open(self, path: str) -> str:
        response = self.client.get(path, follow=True)  # /dashboards/ opens the user's unit
        assert response.status_code == 200, f"{path}: {response.status_code}"
        self.path = path
        return response.content.decode()

    def shows(self, page: str, *labels: str) -> None:
        text = re.sub(r"\s+", "", re.sub(r"<[^>]+>", " ", page))
        missing = [label for label in labels if re.sub(r"\s+", "", label) not in text]
        assert missing == [], f"{self.path} lacks {missing}"


def _links(page: str, pattern: str) -> list[str]:
    return re.findall(rf'href="({pattern})"', page)


def _row_link(page: str, has: str, pattern: str) -> str:
    """The first link matching `pattern` in a table row that says `has`."""
    rows = [row for row in re.findall(r"<tr[^>]*>(.*?)</tr>", page, re.S) if has in row]
    return next(link for row in rows for link in _links(row, pattern))


def _village_operator(demo):
    village = Reader(demo["village1"])
    home = village.open("/")
    village.shows(home, "登记会员", "新增服务活动", "新增培训", "待我处理", "已逾期")
    sheet = village.open(_links(home, r"/assessments/\d+/")[0])  # the returned application
    village.shows(sheet, "已退回修改", "去第", "保存评分", "提交", "拍照或选择文件", "上传佐证")
    village.shows(sheet, "台账数据", "评分说明", "所需佐证")
    new_member = village.open(_links(home, r"/registers/units/\d+/members/new/")[0])
    village.shows(new_member, "保存", "保存并继续登记")


def _township_officer(demo):
    township = Reader(demo["township1"])
    waiting = township.open(_links(township.open("/"), "/assessments/waiting/")[0])
    township.shows(waiting, "只看逾期")
    sheet_path = _row_link(waiting, "预审", r"/assessments/\d+/")
    township.shows(township.open(sheet_path), "保存评分", "报送上一级", "退回", "台账数据")
    township.shows(township.open(sheet_path + "pass/"), "报送上一级？", "确认报送")
    township.shows(township.open(sheet_path + "return/"), "退回修改的条目", "确认退回")
    campaigns = township.open("/campaigns/")
    overview = township.open(_links(campaigns, r"/campaigns/\d+/townships/\d+/")[0])
    township.shows(overview, "概览", "调查摸底", "五年创建规划", "试点")
    plan = township.open(_links(overview, r"/campaigns/\d+/townships/\d+/plan/")[0])
    township.shows(plan, "保存草稿", "逐年累计", "达到合格", "达到一流", "上报县协会…")


def _county_officer(demo):
    county = Reader(demo["county"])
    rounds = county.open("/assessments/")
    county.shows(rounds, "待我处理", "新建年度考评")
    waiting = county.open(_links(rounds, "/assessments/waiting/")[0])
    county.shows(waiting, "授予所选")
    sheet_path = _row_link(waiting, "审定", r"/assessments/\d+/")
    county.shows(county.open(sheet_path), "作出审定", "保存并作出决定", "退回")
    county.shows(county.open(sheet_path + "decide/"), "授予称号", "不予授予", "登记审定")
    round_page = county.open(_links(rounds, r"/assessments/rounds/\d+/")[0])
    spot_checks = county.open(_links(round_page, r"/assessments/rounds/\d+/spot-checks/")[0])
    county.shows(spot_checks, "每个乡镇抽取比例（%）", "每个乡镇抽取个数", "抽取")
    campaign = county.open(_links(county.open("/campaigns/"), r"/campaigns/\d+/")[0])
    county.shows(campaign, "目标与乡镇", "乡镇规划", "试点", "设置")
    plans = county.open(_links(campaign, r"/campaigns/\d+/plans/")[0])
    submitted = _row_link(plans, "已上报", r"/campaigns/\d+/townships/\d+/plan/versions/\d+/")
    county.shows(county.open(submitted), "批准规划", "退回规划")
    county.shows(county.open("/registers/import/"), "上传并预览", "模板")
    county.shows(county.open("/reports/"), "工作进展情况报告", "表彰名单")


def _city_reviewer_and_leader(demo):
    city = Reader(demo["city"])
    home = city.open("/")
    city.shows(home, "待我处理")
    sheet_path = _links(home, r"/assessments/\d+/")[0]
    city.shows(city.open(sheet_path + "decide/"), "授予称号", "不予授予", "登记审定")
    leader = Reader(demo["leader"])
    leader.shows(leader.open("/dashboards/"), "排名与预测指标", "查看")
    leader.shows(leader.open("/reports/"), "工作进展情况报告", "表彰名单")


def test_every_roles_steps_show_the_buttons_the_guide_names(demo):
    """One demo build (about half a minute) serves the five chapters."""
    _village_operator(demo)
    _township_officer(demo)
    _county_officer(demo)
    _city_reviewer_and_leader(demo)


def test_a_button_the_guide_names_wrongly_is_caught(county_officer):
    county = Reader(county_officer)
    page = county.open("/assessments/")
    county.shows(page, "新建年度考评")
    with pytest.raises(AssertionError, match="新建轮次"):
        county.shows(page, "新建轮次")
