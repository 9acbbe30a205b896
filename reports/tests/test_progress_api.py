"""The progress report over the API (issue 16: an integrator could not download it): a small
node's file at once, any node's through a background job (start, poll, download), scoped to the
caller's subtree and their own jobs, and audited like the page's."""

import io
import json

import pytest
from openpyxl import load_workbook

from audit.models import AuditEvent
from jobs.tests.helpers import run_queued_tasks
from reports import progress
from reports.job_models import ReportJob
from reports.tests import test_progress_report

campaign = test_progress_report.campaign
titles = test_progress_report.titles
API = "/api/v1/reports"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def small_threshold(monkeypatch):
    monkeypatch.setitem(progress.BACKGROUND_ABOVE_UNITS, "xlsx", 2)
    monkeypatch.setitem(progress.BACKGROUND_ABOVE_UNITS, "pdf", 2)


def _start(client, unit, **extra):
    body = {"unit_id": unit.pk, "year": 2027, "kind": "xlsx", **extra}
    return client.post(f"{API}/progress", json.dumps(body), content_type="application/json")


def _townships(content: bytes) -> list:
    book = load_workbook(io.BytesIO(content), read_only=True)
    return [row[0] for row in book["乡镇(街道)"].iter_rows(values_only=True)]


def test_it_downloads_a_small_nodes_report_at_once(as_user, county_officer, tree, titles):
    response = as_user(county_officer, "zh-hans").get(
        f"{API}/units/{tree.county_a.pk}/progress.xlsx?year=2027"
    )
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    assert "青山镇" in _townships(response.content)


def test_it_sends_a_large_node_to_the_job_with_409(
    as_user, county_officer, tree, titles, small_threshold
):
    response = as_user(county_officer, "zh-hans").get(
        f"{API}/units/{tree.county_a.pk}/progress.xlsx"
    )
    assert response.status_code == 409 and "/reports/progress" in response.json()["detail"]


def test_it_starts_polls_and_downloads_a_job(
    as_user, county_officer, tree, titles, small_threshold
):
    client = as_user(county_officer, "zh-hans")
    started = _start(client, tree.county_a)
    assert started.status_code == 201
    job = started.json()
    assert (job["status"], job["year"], job["download"]) == ("queued", 2027, None)
    assert AuditEvent.objects.filter(action="reports.progress.queue", actor=county_officer).exists()
    assert client.get(f"{API}/jobs/{job['id']}/file").status_code == 404  # not ready yet
    run_queued_tasks()
    polled = client.get(f"{API}/jobs/{job['id']}").json()
    assert polled["status"] == "done" and polled["percent"] == 100
    download = client.get(polled["download"])
    assert download.status_code == 200 and "青山镇" in _townships(download.content)


def test_it_keeps_a_job_to_its_requester_and_a_unit_to_its_subtree(
    as_user, county_officer, township_officer, outsider, tree, titles
):
    job = _start(as_user(county_officer, "zh-hans"), tree.county_a).json()
    assert as_user(township_officer).get(f"{API}/jobs/{job['id']}").status_code == 404
    assert _start(as_user(outsider), tree.county_a).status_code == 404
    assert as_user(outsider).get(f"{API}/units/{tree.county_a.pk}/progress.xlsx").status_code == 404
    assert ReportJob.objects.count() == 1


def test_it_refuses_a_kind_it_does_not_build(as_user, county_officer, tree, titles):
    response = _start(as_user(county_officer, "zh-hans"), tree.county_a, kind="docx")
    assert response.status_code == 422 and "kind" in response.json()["errors"]
    assert not ReportJob.objects.exists()
