"""Large nodes' progress reports run as background tasks: a job row with progress, the page polls,
the file downloads when ready."""

import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from accounts.models import Role
from audit.models import AuditEvent
from jobs.models import Status
from jobs.services import STALE_AFTER
from jobs.tests.helpers import run_queued_tasks
from reports import progress, tasks
from reports.job_models import ReportJob
from reports.tests import test_progress_report
from reports.tests.conftest import needs_pdftotext, pdf_text

# The shared fixtures of the progress report's tests.
campaign = test_progress_report.campaign
titles = test_progress_report.titles


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    # The built files go to a directory of the test's own, not the installation's media.
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def small_threshold(monkeypatch):
    # The test county has 9 units below it; anything above 2 counts as large here.
    monkeypatch.setitem(progress.BACKGROUND_ABOVE_UNITS, "xlsx", 2)
    monkeypatch.setitem(progress.BACKGROUND_ABOVE_UNITS, "pdf", 2)


def start(client, unit, kind: str = "xlsx"):
    return client.post(reverse("reports:progress", args=[unit.pk]) + "?year=2027", {"kind": kind})


def test_it_runs_a_large_nodes_report_in_the_background(
    login,
    county_officer,
    tree,
    titles,
    small_threshold,
):
    client = login(county_officer)
    response = start(client, tree.county_a)
    job = ReportJob.objects.get()
    assert response.status_code == 302 and response.url == reverse(
        "reports:report_job", args=[job.pk]
    )
    assert job.status == Status.QUEUED and job.year == 2027
    run_queued_tasks()
    job.refresh_from_db()
    assert job.status == Status.DONE and job.percent == 100
    download = client.get(reverse("reports:report_job_download", args=[job.pk]))
    book = load_workbook(io.BytesIO(download.content), read_only=True)
    townships = [row[0] for row in book["乡镇(街道)"].iter_rows(values_only=True)]
    assert "青山镇" in townships


@needs_pdftotext
def test_it_builds_the_pdf_in_the_background(
    login,
    county_officer,
    tree,
    titles,
    small_threshold,
):
    client = login(county_officer)
    start(client, tree.county_a, "pdf")
    run_queued_tasks()
    job = ReportJob.objects.get()
    response = client.get(reverse("reports:report_job_download", args=[job.pk]))
    assert response["Content-Type"] == "application/pdf"
    assert "青山镇" in pdf_text(response.content)


def test_it_records_progress_while_it_builds(tree, county_officer, titles, monkeypatch):
    seen = []
    job = tasks.start_progress_job(county_officer, tree.county_a, 2027, "xlsx")
    original = tasks._update
    monkeypatch.setattr(tasks, "_update", lambda pk, **f: seen.append(f) or original(pk, **f))
    run_queued_tasks()
    steps = [f for f in seen if "progress_done" in f and "status" not in f]
    assert steps and len(steps) > 1 and steps[-1]["progress_done"] == steps[-1]["progress_total"]
    job.refresh_from_db()
    assert job.status == Status.DONE


def test_it_sends_a_large_nodes_download_to_its_page(
    login,
    county_officer,
    tree,
    titles,
    small_threshold,
):
    client = login(county_officer)
    response = client.get(reverse("reports:progress_xlsx", args=[tree.county_a.pk]))
    assert response.status_code == 302
    assert response.url.startswith(reverse("reports:progress", args=[tree.county_a.pk]))
    page = client.get(response.url).content.decode()
    assert 'name="kind" value="pdf"' in page


def test_it_polls_the_job_with_htmx_until_it_is_done(
    login,
    county_officer,
    tree,
    titles,
    small_threshold,
):
    client = login(county_officer)
    start(client, tree.county_a)
    job = ReportJob.objects.get()
    url = reverse("reports:report_job", args=[job.pk])
    polling = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert 'hx-trigger="every 1s"' in polling and "<html" not in polling
    run_queued_tasks()
    ready = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert reverse("reports:report_job_download", args=[job.pk]) in ready
    assert "hx-trigger" not in ready


def test_it_keeps_a_job_from_other_users(
    login,
    county_officer,
    leader,
    tree,
    titles,
    small_threshold,
):
    start(login(county_officer), tree.county_a)
    run_queued_tasks()
    job = ReportJob.objects.get()
    other = login(leader)
    assert other.get(reverse("reports:report_job", args=[job.pk])).status_code == 404
    assert other.get(reverse("reports:report_job_download", args=[job.pk])).status_code == 404


def test_it_fails_a_job_whose_user_lost_the_unit(tree, county_officer, titles):
    job = tasks.start_progress_job(county_officer, tree.county_a, 2027, "xlsx")
    Role.objects.filter(user=county_officer).delete()
    run_queued_tasks()
    job.refresh_from_db()
    assert job.status == Status.FAILED and job.stored_name == ""


def test_it_renders_a_small_node_at_once(login, township_officer, tree, titles):
    client = login(township_officer)
    response = client.get(reverse("reports:progress_xlsx", args=[tree.township_1.pk]))
    assert response.status_code == 200 and not ReportJob.objects.exists()


def test_it_sends_only_a_large_pdf_to_the_worker(login, county_officer, tree, titles, monkeypatch):
    monkeypatch.setitem(progress.BACKGROUND_ABOVE_UNITS, "pdf", 2)
    client = login(county_officer)
    page = client.get(reverse("reports:progress", args=[tree.county_a.pk])).content.decode()
    assert 'name="kind" value="pdf"' in page and 'name="kind" value="xlsx"' not in page
    response = start(client, tree.county_a, "xlsx")
    assert response.url.startswith(reverse("reports:progress_xlsx", args=[tree.county_a.pk]))
    assert not ReportJob.objects.exists()


def test_it_fails_a_job_whose_worker_stopped(login, county_officer, tree, titles):
    job = tasks.start_progress_job(county_officer, tree.county_a, 2027, "pdf")
    long_ago = timezone.now() - STALE_AFTER - timedelta(minutes=1)
    ReportJob.objects.filter(pk=job.pk).update(status=Status.RUNNING, updated_at=long_ago)
    page = login(county_officer).get(reverse("reports:report_job", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == Status.FAILED and "hx-trigger" not in page.content.decode()
    assert AuditEvent.objects.filter(
        action="reports.progress.stalled", object_id=str(job.pk)
    ).exists()
