"""A report job that has not started a minute after it was asked for says so on its page, with
the Excel report as the alternative and a way to try again; a fresh job does not."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from reports import progress, tasks
from reports.job_models import ReportJob
from reports.tests import test_progress_report

campaign = test_progress_report.campaign
titles = test_progress_report.titles


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _queued(county_officer, tree, kind, minutes_ago):
    job = tasks.start_progress_job(county_officer, tree.county_a, 2027, kind)
    created = timezone.now() - timedelta(minutes=minutes_ago)
    ReportJob.objects.filter(pk=job.pk).update(created_at=created)
    return job


def _page(client, job):
    return client.get(reverse("reports:report_job", args=[job.pk])).content.decode()


def test_it_explains_a_job_not_started_after_a_minute(login, county_officer, tree, titles):
    job = _queued(county_officer, tree, "pdf", minutes_ago=3)
    html = _page(login(county_officer), job)
    assert 'id="job-stalled"' in html
    assert "已等待3分钟" in html and "后台任务服务未运行" in html
    assert reverse("reports:progress_xlsx", args=[tree.county_a.pk]) in html
    assert 'id="retry-job"' in html


def test_it_says_nothing_while_a_job_is_fresh(login, county_officer, tree, titles):
    job = _queued(county_officer, tree, "pdf", minutes_ago=0)
    assert 'id="job-stalled"' not in _page(login(county_officer), job)


def test_it_starts_a_new_job_on_retry(login, county_officer, tree, titles, monkeypatch):
    monkeypatch.setitem(progress.BACKGROUND_ABOVE_UNITS, "pdf", 2)
    job = _queued(county_officer, tree, "pdf", minutes_ago=5)
    client = login(county_officer)
    response = client.post(
        reverse("reports:progress", args=[tree.county_a.pk]) + "?year=2027", {"kind": "pdf"}
    )
    assert response.status_code == 302
    retry = ReportJob.objects.exclude(pk=job.pk).get(kind="pdf")
    assert response.url == reverse("reports:report_job", args=[retry.pk])
