"""The web import shows, before anything is confirmed, which sheet was read, which header of the
file each template column was matched to, and the notes skipped under the table; each template's
help page lists the headers it recognises."""

import re
from pathlib import Path

import pytest
from django.urls import reverse

from jobs.models import ImportJob
from jobs.tests.helpers import run_queued_tasks, upload
from registers.tests.import_files import VILLAGE_1, id_number
from spreadsheets.tests.files import INSTRUCTIONS, write_workbook

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return Path(settings.MEDIA_ROOT)


@pytest.fixture
def operator(login, village_operator):
    client = login(village_operator)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def _preview(client, tmp_path, sheets: dict) -> str:
    path = write_workbook(tmp_path / "roster.xlsx", sheets)
    response = client.post(
        reverse("registers:import"),
        {"kind": "members", "file": upload("roster.xlsx", path.read_bytes())},
    )
    assert response.status_code == 302, response.content[:2000]
    job_id = re.search(r"/import/([0-9a-f-]{36})/", response["Location"]).group(1)
    run_queued_tasks()
    job = ImportJob.objects.get(pk=job_id)
    return client.get(reverse("registers:import_progress", args=[job.pk])).content.decode()


def test_it_shows_the_sheet_and_the_column_mapping_before_confirming(operator, tree, tmp_path):
    rows = [
        ["姓名", "公民身份号码", "所在村（居）代码"],
        ["张三", id_number(1), VILLAGE_1],
        ["制表人：王五"],
    ]
    fragment = _preview(operator, tmp_path, {"填表说明": INSTRUCTIONS, "会员名册": rows})
    assert 'id="import-confirm"' in fragment
    sheets = fragment[fragment.index('id="import-sheets"') :]
    assert "Sheet “会员名册”" in sheets and "header on row 1" in sheets
    assert "<td>所属村(居)代码 *</td><td>所在村（居）代码</td>" in sheets
    assert "<td>身份证号码</td><td>公民身份号码</td>" in sheets
    assert '<td>所属小组</td><td><span class="muted">not in the file</span></td>' in sheets
    notes = fragment[fragment.index('id="import-skipped-notes"') :]
    assert "row 3: 制表人:王五" in notes


def test_it_names_the_sheet_of_each_problem_when_several_sheets_are_read(operator, tree, tmp_path):
    header = ["姓名", "身份证号码", "所属村(居)代码"]
    sheets = {
        "第一小组": [header, ["张三", id_number(1), VILLAGE_1]],
        "第二小组": [header, ["李四", "123", VILLAGE_1]],
    }
    fragment = _preview(operator, tmp_path, sheets)
    assert fragment.count('class="import-sheet"') == 2
    errors = fragment[fragment.index('id="import-errors"') :]
    assert "<th>Sheet</th>" in errors and "<td>第二小组</td>" in errors


def test_the_help_page_lists_every_column_with_the_headers_it_recognises(operator):
    response = operator.get(reverse("registers:import_help", args=["members"]))
    assert response.status_code == 200
    html = response.content.decode()
    table = html[html.index('id="import-help-columns"') :]
    assert "<td>所属村(居)代码</td>" in table and "村(居)代码" in table
    assert "公民身份号码" in table and "手机号码" in table
    assert "时间 is read as 日期" in html
    assert (
        reverse("registers:import_help", args=["trainings"])
        in operator.get(reverse("registers:import")).content.decode()
    )


def test_the_help_page_is_for_importers_only(login, leader):
    response = login(leader).get(reverse("registers:import_help", args=["members"]))
    assert response.status_code == 403
