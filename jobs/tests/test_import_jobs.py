"""Import jobs: the stored upload, the audited upload and confirmation, and the worker's claim."""

import datetime
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone

from audit.models import AuditEvent
from jobs import services
from jobs.models import ImportJob, Stage, Status
from jobs.tests.helpers import upload

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def _job(user, content=b"a,b\r\n1,2\r\n"):
    return services.do_create_import_job(
        user, kind="members", upload=upload("成员.csv", content), filename="成员.csv"
    )


def test_it_stores_the_upload_encrypted_under_a_generated_name_outside_the_web_root(
    village_operator, media
):
    job = _job(village_operator)
    assert job.stored_name == f"imports/{job.pk}"
    stored = Path(media) / job.stored_name
    assert b"1,2" not in stored.read_bytes()  # encrypted at rest: it holds ID numbers
    assert services.open_upload(job).read() == b"a,b\r\n1,2\r\n"
    assert job.filename == "成员.csv" and job.size == 10
    assert (job.stage, job.status) == (Stage.PREVIEW, Status.QUEUED)


def test_it_audits_the_upload_and_the_confirmation(village_operator):
    job = _job(village_operator)
    services.finish(job.pk, Stage.PREVIEW, {"rows": 1, "valid": 1, "errors": []})
    assert services.do_confirm_import(village_operator, job, only_valid=True)
    actions = list(
        AuditEvent.objects.filter(object_id=str(job.pk))
        .order_by("seq")
        .values_list("action", flat=True)
    )
    assert actions == ["imports.upload", "imports.confirm"]
    assert (job.stage, job.status, job.only_valid) == (Stage.IMPORT, Status.QUEUED, True)


def test_it_confirms_only_a_finished_preview(village_operator):
    job = _job(village_operator)
    assert not services.do_confirm_import(village_operator, job, only_valid=False)
    services.finish(job.pk, Stage.PREVIEW, {"rows": 1})
    assert services.do_confirm_import(village_operator, job, only_valid=False)
    assert not services.do_confirm_import(village_operator, job, only_valid=False)


def test_it_lets_only_one_worker_claim_a_job(village_operator):
    job = _job(village_operator)
    assert services.mark_running(job.pk, Stage.PREVIEW)
    assert not services.mark_running(job.pk, Stage.PREVIEW)
    assert not services.mark_running(job.pk, Stage.IMPORT)


def test_it_records_progress_only_while_running(village_operator):
    job = _job(village_operator)
    services.record_progress(job.pk, 5, 10)
    job.refresh_from_db()
    assert (job.progress_done, job.progress_total) == (0, 0)
    services.mark_running(job.pk, Stage.PREVIEW)
    services.record_progress(job.pk, 5, 10)
    job.refresh_from_db()
    assert (job.progress_done, job.progress_total, job.percent) == (5, 10, 50)


def test_it_discards_the_file_and_keeps_the_report(village_operator, media):
    job = _job(village_operator)
    services.finish(job.pk, Stage.PREVIEW, {"rows": 3, "valid": 3})
    services.discard_upload(job)
    job.refresh_from_db()
    assert job.stored_name == "" and job.preview["rows"] == 3
    assert list((Path(media) / "imports").iterdir()) == []


def test_it_leaves_no_file_when_the_job_cannot_be_recorded(village_operator, monkeypatch, media):
    def refuse(**fields):
        raise OSError("database unavailable")

    monkeypatch.setattr(services.ImportJob.objects, "create", refuse)
    with pytest.raises(OSError):
        _job(village_operator)
    assert ImportJob.objects.count() == 0
    assert list((Path(media) / "imports").iterdir()) == []


def test_it_prunes_old_uploads_of_finished_jobs_only(village_operator, media):
    old = timezone.now() - datetime.timedelta(days=8)
    finished, queued, recent = (_job(village_operator) for _ in range(3))
    services.finish(finished.pk, Stage.PREVIEW, {"rows": 1})
    services.finish(recent.pk, Stage.PREVIEW, {"rows": 1})
    ImportJob.objects.exclude(pk=recent.pk).update(updated_at=old)
    out = StringIO()
    call_command("prune_import_jobs", stdout=out)
    kept = {path.name for path in (Path(media) / "imports").iterdir()}
    assert kept == {str(queued.pk), str(recent.pk)}
    finished.refresh_from_db()
    assert finished.stored_name == "" and finished.preview == {"rows": 1}
