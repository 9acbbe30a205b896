"""Import jobs whose worker was stopped: marked failed after STALE_AFTER without a sign of life."""

import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from jobs import services
from jobs.models import ImportJob, Stage, Status
from jobs.tests.helpers import upload

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _running_job(user, *, quiet_for: datetime.timedelta, language="zh-hans") -> ImportJob:
    job = services.do_create_import_job(
        user,
        kind="members",
        upload=upload("会员.csv", b"a,b\r\n1,2\r\n"),
        filename="会员.csv",
        language=language,
    )
    services.mark_running(job.pk, Stage.PREVIEW)
    ImportJob.objects.filter(pk=job.pk).update(updated_at=timezone.now() - quiet_for)
    job.refresh_from_db()
    return job


def test_a_running_job_without_a_sign_of_life_is_failed_in_chinese(village_operator):
    job = _running_job(village_operator, quiet_for=services.STALE_AFTER + datetime.timedelta(1))
    assert services.fail_stalled_job(job)
    job.refresh_from_db()
    assert job.status == Status.FAILED and job.finished_at is not None
    assert "后台" in job.error and "15" in job.error


def test_the_message_follows_the_uploaders_language(village_operator):
    job = _running_job(village_operator, quiet_for=services.STALE_AFTER * 2, language="en")
    services.fail_stalled_job(job)
    job.refresh_from_db()
    assert job.error.startswith("The import stopped: the background worker")


def test_a_running_job_with_recent_progress_stays_running(village_operator):
    job = _running_job(village_operator, quiet_for=datetime.timedelta(minutes=1))
    assert not services.fail_stalled_job(job)
    services.record_progress(job.pk, 10, 100)  # progress is the sign of life
    assert services.fail_stalled_jobs() == 0
    job.refresh_from_db()
    assert job.status == Status.RUNNING


def test_queued_and_finished_jobs_are_left_alone(village_operator):
    job = _running_job(village_operator, quiet_for=services.STALE_AFTER * 2)
    services.finish(job.pk, Stage.PREVIEW, {"rows": 1})
    ImportJob.objects.filter(pk=job.pk).update(updated_at=timezone.now() - services.STALE_AFTER * 2)
    assert services.fail_stalled_jobs() == 0
    job.refresh_from_db()
    assert job.status == Status.DONE


def test_failing_a_stalled_job_is_audited_once(village_operator):
    job = _running_job(village_operator, quiet_for=services.STALE_AFTER * 2)
    assert services.fail_stalled_jobs() == 1
    assert services.fail_stalled_jobs() == 0
    events = AuditEvent.objects.filter(action="imports.stalled", object_id=str(job.pk))
    assert events.count() == 1
    assert events.get().after["status"] == Status.FAILED


def test_the_job_page_shows_a_stalled_job_as_failed(login, village_operator):
    job = _running_job(village_operator, quiet_for=services.STALE_AFTER * 2)
    client = login(village_operator)
    response = client.get(reverse("registers:import_progress", args=[job.pk]))
    assert response.status_code == 200
    assert "后台" in response.content.decode() and "hx-trigger" not in response.content.decode()
    job.refresh_from_db()
    assert job.status == Status.FAILED


def test_pruning_fails_stalled_jobs_first(village_operator):
    job = _running_job(village_operator, quiet_for=services.STALE_AFTER * 2)
    out = StringIO()
    call_command("prune_import_jobs", stdout=out)
    job.refresh_from_db()
    assert job.status == Status.FAILED
