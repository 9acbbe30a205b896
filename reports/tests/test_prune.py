"""Built reports' files are deleted some days after they were built (`sanlian prune_jobs`, with the
imports' uploads); the job rows stay, and a pruned report's page offers to build it again."""

from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone, translation

from audit.models import AuditEvent
from jobs import services as import_jobs
from jobs.models import ImportJob, Stage, Status
from jobs.services import STALE_AFTER
from jobs.tests.helpers import upload
from reports import progress
from reports.job_models import ReportJob
from reports.services import prune_report_files
from reports.tests import test_progress_report

campaign = test_progress_report.campaign


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def built_report(user, unit, *, days_ago: float, status=Status.DONE) -> ReportJob:
    """A report job of `status` whose file was built `days_ago` days ago."""
    job = ReportJob.objects.create(user=user, unit=unit, year=2027, kind="xlsx", status=status)
    stored = default_storage.save(f"reports/{job.pk}.xlsx", ContentFile(b"PK\x03\x04 report"))
    when = timezone.now() - timedelta(days=days_ago)
    finished = None if status in (Status.QUEUED, Status.RUNNING) else when
    ReportJob.objects.filter(pk=job.pk).update(
        stored_name=stored, filename="青溪县-2027.xlsx", finished_at=finished, updated_at=when
    )
    job.refresh_from_db()
    return job


def old_upload(user) -> ImportJob:
    job = import_jobs.do_create_import_job(
        user, kind="members", upload=upload("会员.csv", b"a,b\r\n1,2\r\n"), filename="会员.csv"
    )
    import_jobs.finish(job.pk, Stage.PREVIEW, {"rows": 1})
    ImportJob.objects.filter(pk=job.pk).update(updated_at=timezone.now() - timedelta(days=8))
    return job


def exists(job) -> bool:
    return default_storage.exists(f"reports/{job.pk}.xlsx")


def test_it_deletes_an_old_reports_file_and_keeps_the_job(tree, county_officer):
    job = built_report(county_officer, tree.county_a, days_ago=8)
    assert prune_report_files(days=7) == 1
    assert not exists(job)
    job.refresh_from_db()
    assert job.stored_name == "" and job.status == Status.DONE
    assert job.filename == "青溪县-2027.xlsx" and job.user == county_officer
    assert job.is_pruned and job.kept_days == 8


def test_it_keeps_a_recent_reports_file(tree, county_officer):
    job = built_report(county_officer, tree.county_a, days_ago=6)
    assert prune_report_files(days=7) == 0
    job.refresh_from_db()
    assert exists(job) and job.stored_name and not job.is_pruned


def test_it_deletes_a_failed_jobs_file_too(tree, county_officer):
    job = built_report(county_officer, tree.county_a, days_ago=8, status=Status.FAILED)
    assert prune_report_files(days=7) == 1
    assert not exists(job)


def test_it_keeps_the_files_of_queued_and_running_jobs(tree, county_officer):
    jobs = [
        built_report(county_officer, tree.county_a, days_ago=30, status=status)
        for status in (Status.QUEUED, Status.RUNNING)
    ]
    # Whatever their times say (a finished time left from an earlier run, say).
    ReportJob.objects.update(finished_at=timezone.now() - timedelta(days=30))
    assert prune_report_files(days=7) == 0
    assert all(exists(job) for job in jobs)


def test_prune_jobs_fails_a_stalled_report_job(tree, county_officer):
    job = built_report(county_officer, tree.county_a, days_ago=0, status=Status.RUNNING)
    quiet = timezone.now() - STALE_AFTER - timedelta(minutes=1)
    ReportJob.objects.filter(pk=job.pk).update(updated_at=quiet)
    out = StringIO()
    with translation.override("en"):
        call_command("prune_jobs", stdout=out)
    job.refresh_from_db()
    assert job.status == Status.FAILED and job.finished_at is not None
    assert "Marked 1 stalled report job(s) as failed." in out.getvalue()
    assert AuditEvent.objects.filter(
        action="reports.progress.stalled", object_id=str(job.pk)
    ).exists()


def test_prune_jobs_leaves_a_running_job_with_recent_progress(tree, county_officer):
    job = built_report(county_officer, tree.county_a, days_ago=0, status=Status.RUNNING)
    call_command("prune_jobs", stdout=StringIO())
    job.refresh_from_db()
    assert job.status == Status.RUNNING


def test_the_download_of_a_pruned_report_says_it_was_deleted(login, tree, county_officer):
    job = built_report(county_officer, tree.county_a, days_ago=8)
    prune_report_files(days=7)
    response = login(county_officer).get(reverse("reports:report_job_download", args=[job.pk]))
    page = response.content.decode()
    assert response.status_code == 410
    assert "报表文件已删除" in page and "在生成 8 天后删除" in page
    assert f'action="{reverse("reports:progress", args=[tree.county_a.pk])}?year=2027"' in page
    assert 'name="kind" value="xlsx"' in page and "重新生成报表" in page


def test_the_job_page_of_a_pruned_report_offers_no_download(login, tree, county_officer):
    job = built_report(county_officer, tree.county_a, days_ago=8)
    prune_report_files(days=7)
    page = login(county_officer).get(reverse("reports:report_job", args=[job.pk]))
    assert page.status_code == 200 and "报表文件已删除" in page.content.decode()
    assert reverse("reports:report_job_download", args=[job.pk]) not in page.content.decode()


def test_building_a_pruned_report_again_queues_a_new_job(
    login, tree, county_officer, campaign, monkeypatch
):
    monkeypatch.setitem(progress.BACKGROUND_ABOVE_UNITS, "xlsx", 2)
    job = built_report(county_officer, tree.county_a, days_ago=8)
    prune_report_files(days=7)
    url = reverse("reports:progress", args=[tree.county_a.pk]) + "?year=2027"
    client = login(county_officer)
    assert "文件已删除" in client.get(url).content.decode()  # in the list of recent reports
    response = client.post(url, {"kind": "xlsx"})
    again = ReportJob.objects.exclude(pk=job.pk).get()
    assert response.url == reverse("reports:report_job", args=[again.pk])
    assert (again.status, again.year, again.kind) == (Status.QUEUED, 2027, "xlsx")


def test_prune_jobs_prunes_uploads_and_report_files(tree, county_officer, village_operator, media):
    upload_job = old_upload(village_operator)
    report = built_report(county_officer, tree.county_a, days_ago=8)
    out = StringIO()
    with translation.override("en"):
        call_command("prune_jobs", "--days", "7", stdout=out)
    assert "Deleted 1 stored upload(s)." in out.getvalue()
    assert "Deleted 1 stored report file(s)." in out.getvalue()
    assert list((Path(media) / "imports").iterdir()) == [] and not exists(report)
    upload_job.refresh_from_db()
    assert upload_job.stored_name == ""


def test_prune_jobs_keeps_files_younger_than_days(tree, county_officer, village_operator):
    old_upload(village_operator)
    report = built_report(county_officer, tree.county_a, days_ago=8)
    out = StringIO()
    with translation.override("en"):
        call_command("prune_jobs", "--days", "30", stdout=out)
    assert "Deleted 0 stored upload(s)." in out.getvalue()
    assert "Deleted 0 stored report file(s)." in out.getvalue() and exists(report)


def test_prune_import_jobs_prunes_uploads_only(tree, county_officer, village_operator, media):
    old_upload(village_operator)
    report = built_report(county_officer, tree.county_a, days_ago=8)
    out = StringIO()
    with translation.override("en"):
        call_command("prune_import_jobs", stdout=out)
    assert out.getvalue().strip() == "Deleted 1 stored upload(s)."
    assert list((Path(media) / "imports").iterdir()) == [] and exists(report)
