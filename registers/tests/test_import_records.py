"""Importing posts, trainings and service activities; their exports import back unchanged."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.utils import translation

from registers.imports import run_import
from registers.models import Post, PostKind, ServiceActivity, Training
from spreadsheets.tests.files import write_csv

POSTS = ["所属单位代码", "所属小组", "职务", "姓名", "身份证号码", "任职日期", "离任日期", "备注"]
TRAININGS = ["组织单位代码", "培训日期", "培训主题", "培训对象", "学时", "培训地点", "备注"]
ACTIVITIES = [
    "单位代码",
    "活动日期",
    "活动载体",
    "服务需求",
    "活动名称",
    "活动内容",
    "服务人数",
    "经费(元)",
]
V1 = "430121100201"


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def imported(tmp_path, kind, header, rows, actor=None, **options):
    path = write_csv(tmp_path / f"{kind}.csv", [header, *rows])
    return run_import(kind, path, filename=f"{kind}.csv", actor=actor, **options)


def round_trip(tmp_path, kind, expected):
    path = tmp_path / f"{kind}.xlsx"
    call_command("export", kind, str(path), stdout=io.StringIO())
    report = run_import(kind, path, filename=path.name, actor=None)
    assert report.errors == []
    assert (report.rows, report.unchanged) == (expected, expected)


def test_it_imports_posts_idempotently_and_round_trips(tree, tmp_path):
    rows = [
        [V1, "", "会长", "王建国", "", "2021-01-01", "", ""],
        [V1, "", "理事", "李秀英", "", "2021/1/1", "", ""],
        [V1, "第一小组", "小组长", "赵磊", "", "20210101", "", "首任"],
        ["430121/城关分会", "李家村进城小组", "组长", "钱七", "", "2022-05-01", "", ""],
    ]
    report = imported(tmp_path, "posts", POSTS, rows)
    assert report.errors == [] and report.created == 4
    assert Post.objects.get(kind=PostKind.GROUP_LEADER, holder_name="赵磊").unit == tree.group_1
    assert Post.objects.get(holder_name="钱七").unit == tree.branch_group
    again = imported(tmp_path, "posts", POSTS, rows)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 4)
    round_trip(tmp_path, "posts", 4)


def test_it_refuses_a_second_current_president(tree, tmp_path):
    rows = [
        [V1, "", "会长", "王建国", "", "2021-01-01", "", ""],
        [V1, "", "会长", "李秀英", "", "2023-01-01", "", ""],
    ]
    report = imported(tmp_path, "posts", POSTS, rows)
    assert [(e.row, e.column) for e in report.errors] == [(3, "离任日期")]
    assert "already has a current" in report.errors[0].message
    assert Post.objects.count() == 0


@pytest.mark.parametrize(
    ("row", "column", "message"),
    [
        ([V1, "", "主任", "王建国", "", "2021-01-01", "", ""], "职务", "Unknown post"),
        ([V1, "", "会长", "王建国", "", "2099-01-01", "", ""], "任职日期", "future"),
        ([V1, "", "会长", "王建国", "", "2021-01-01", "2020-01-01", ""], "离任日期", "ends before"),
        ([V1, "", "小组长", "王建国", "", "2021-01-01", "", ""], "所属小组", "names the group"),
        (
            ["430124100201", "", "会长", "王建国", "", "2021-01-01", "", ""],
            "所属单位代码",
            "outside",
        ),
    ],
)
def test_it_reports_bad_post_rows(tree, village_operator, tmp_path, row, column, message):
    report = imported(tmp_path, "posts", POSTS, [row], actor=village_operator)
    assert [(e.row, e.column) for e in report.errors] == [(2, column)]
    assert message in report.errors[0].message


def test_it_imports_trainings_idempotently_and_round_trips(tree, tmp_path):
    rows = [
        [V1, "2024-03-01", "会员培训", "会员、小组长", "2", "村部", ""],
        ["430121100", "2024-04-01", "秘书长培训", "秘书长", "3.5", "", ""],
    ]
    report = imported(tmp_path, "trainings", TRAININGS, rows)
    assert report.errors == [] and report.created == 2
    training = Training.objects.get(title="会员培训")
    assert training.audiences == ["group_leaders", "members"] and training.location == "村部"
    again = imported(tmp_path, "trainings", TRAININGS, rows)
    assert again.unchanged == 2
    changed = imported(
        tmp_path, "trainings", TRAININGS, [[V1, "2024-03-01", "会员培训", "会员", "4", "", ""]]
    )
    assert changed.updated == 1
    round_trip(tmp_path, "trainings", 2)


def test_it_reports_bad_training_rows(tree, tmp_path):
    rows = [
        [V1, "2024-03-01", "会员培训", "村民", "2", "", ""],
        [V1, "2024-03-02", "培训", "会员", "两", "", ""],
        [V1, "2024-03-02", "", "会员", "2", "", ""],
    ]
    report = imported(tmp_path, "trainings", TRAININGS, rows)
    assert [(e.row, e.column) for e in report.errors] == [
        (2, "培训对象"),
        (3, "学时"),
        (4, "培训主题"),
    ]


def test_it_imports_activities_idempotently_and_round_trips(tree, tmp_path):
    rows = [
        [
            V1,
            "2024-05-01",
            "生育关怀",
            "三生、生殖健康",
            "走访慰问",
            "慰问困难家庭",
            "30",
            "1,500.50",
        ],
        [V1, "2024-06-01", "幸福工程", "", "救助", "", "", ""],
    ]
    report = imported(tmp_path, "activities", ACTIVITIES, rows)
    assert report.errors == [] and report.created == 2
    activity = ServiceActivity.objects.get(title="走访慰问")
    assert activity.needs == ["reproductive_health", "three_lives"]
    assert str(activity.funds) == "1500.50" and activity.date == datetime.date(2024, 5, 1)
    assert imported(tmp_path, "activities", ACTIVITIES, rows).unchanged == 2
    round_trip(tmp_path, "activities", 2)


def test_it_reports_bad_activity_rows(tree, tmp_path):
    rows = [
        [V1, "2024-05-01", "义诊", "", "走访", "", "", ""],
        [V1, "2024-05-01", "生育关怀", "三孩", "走访", "", "", ""],
        [V1, "2024-05-02", "生育关怀", "", "走访", "", "-3", ""],
        [V1, "2024-05-03", "生育关怀", "", "走访", "", "", "很多"],
    ]
    report = imported(tmp_path, "activities", ACTIVITIES, rows)
    assert [(e.row, e.column) for e in report.errors] == [
        (2, "活动载体"),
        (3, "服务需求"),
        (4, "服务人数"),
        (5, "经费(元)"),
    ]
