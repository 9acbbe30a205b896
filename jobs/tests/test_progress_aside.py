"""Progress of a run inside SQLite's write lock: in a file beside the upload, read by the page."""

import os
import time

import pytest
from django.urls import reverse
from django.utils import timezone

from jobs import services
from jobs.models import ImportJob, Stage, Status
from jobs.tests.helpers import upload

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _running_job(user) -> ImportJob:
    job = services.do_create_import_job(
        user, kind="members", upload=upload("会员.csv", b"a,b\r\n1,2\r\n"), filename="会员.csv"
    )
    assert services.mark_running(job.pk, job.stage)
    job.refresh_from_db()
    return job


def test_the_job_page_shows_the_progress_left_beside_the_upload(login, village_operator):
    job = _running_job(village_operator)
    services.record_progress_aside(job.pk, 3000, 12000)
    response = login(village_operator).get(reverse("registers:import_progress", args=[job.pk]))
    assert response.status_code == 200
    assert "25%" in response.content.decode()


def test_finishing_or_failing_removes_the_progress_file(village_operator):
    finished, failed = _running_job(village_operator), _running_job(village_operator)
    for job in (finished, failed):
        services.record_progress_aside(job.pk, 1, 2)
    services.finish(finished.pk, Stage.IMPORT, {"rows": 2})
    services.fail(failed.pk, "x")
    for job in (finished, failed):
        job.refresh_from_db()
        assert services.with_progress_aside(job).progress_done != 1
        assert services._progress_aside(job.pk) is None


def test_recent_progress_beside_the_upload_keeps_a_long_run_alive(village_operator):
    job = _running_job(village_operator)
    quiet = timezone.now() - services.STALE_AFTER * 2
    ImportJob.objects.filter(pk=job.pk).update(updated_at=quiet)
    job.refresh_from_db()
    services.record_progress_aside(job.pk, 10, 100)
    assert not services.fail_stalled_job(job)
    path = services._progress_file(job.pk)
    old = time.time() - services.STALE_AFTER.total_seconds() * 2
    os.utime(path, (old, old))
    assert services.fail_stalled_job(job)
    job.refresh_from_db()
    assert job.status == Status.FAILED and not path.exists()


def test_a_finished_job_ignores_a_leftover_progress_file(village_operator):
    job = _running_job(village_operator)
    services.finish(job.pk, Stage.IMPORT, {"rows": 5})
    services.record_progress_aside(job.pk, 1, 5)  # a late write after the run
    job.refresh_from_db()
    assert services.with_progress_aside(job).progress_done == 5
