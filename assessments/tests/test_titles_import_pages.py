"""The county carries in titles on the web import: a file with one bad row is refused with the
row's reason, the fixed file imports, and the figures move at once (page flow through the test
client; the background jobs run in this process)."""

import re
from pathlib import Path

import pytest
from django.urls import reverse

from campaigns import rollups
from jobs.models import ImportJob
from jobs.tests.helpers import run_queued_tasks, upload
from spreadsheets.tests.files import write_csv

HEADER = ["单位代码", "单位名称", "称号", "年度", "发文单位", "文号"]
GOOD = [
    "430121100201",
    "李家村",
    "合格村(居)协会",
    "2019",
    "长沙县计划生育协会",
    "长计协〔2019〕5号",
]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return Path(settings.MEDIA_ROOT)


def _upload(client, tmp_path, rows):
    path = write_csv(tmp_path / "titles.csv", [HEADER, *rows])
    response = client.post(
        reverse("registers:import"),
        {"kind": "titles", "file": upload("titles.csv", path.read_bytes())},
    )
    assert response.status_code == 302
    job_id = re.search(r"/import/([0-9a-f-]{36})/", response["Location"]).group(1)
    run_queued_tasks()
    return ImportJob.objects.get(pk=job_id)


def _progress(client, job) -> str:
    return client.get(reverse("registers:import_progress", args=[job.pk])).content.decode()


def test_it_refuses_a_bad_row_then_imports_the_fixed_file(tree, county_officer, login, tmp_path):
    client = login(county_officer)
    before = rollups.figures(tree.county_a, 2026).qualified_villages

    bad = _upload(client, tmp_path, [GOOD, ["430121100202", "王庄村", "优秀村", "2019", "", ""]])
    fragment = _progress(client, bad)
    assert "优秀村" in fragment and "称号" in fragment

    fixed = _upload(client, tmp_path, [GOOD, ["430121100202", "王庄村", "合格", "2019", "", ""]])
    assert client.post(reverse("registers:import_confirm", args=[fixed.pk])).status_code == 302
    run_queued_tasks()
    assert rollups.figures(tree.county_a, 2026).qualified_villages == before + 2
    board = client.get(reverse("dashboards:unit", args=[tree.county_a.pk]), {"year": 2026})
    assert board.status_code == 200
