"""The import task: a preview and an import run as background tasks through the database backend,
in this process and through the real `sanlian db_worker` in another process."""

import os
import subprocess
import sys
import types
from importlib import import_module
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django_tasks_db.models import DBTaskResult

from audit.models import ChainHead
from jobs import services as jobs
from jobs.models import ImportJob, Stage, Status
from jobs.tests.helpers import run_queued_tasks, upload
from registers import tasks
from registers.models import Member
from registers.tests.import_files import member_row, members_csv
from sanlian.tests.crash import database_url, take_back

BASE_DIR = Path(django_settings.BASE_DIR)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def _queue(user, content: bytes, name="members.csv") -> ImportJob:
    job = jobs.do_create_import_job(
        user, kind="members", upload=upload(name, content), filename=name, language="en"
    )
    tasks.start_preview(job)
    return job


@pytest.mark.django_db
def test_it_previews_then_imports_through_the_database_backend(village_operator, tree):
    job = _queue(village_operator, members_csv([member_row(1), member_row(2)]))
    assert DBTaskResult.objects.filter(status="READY").count() == 1
    job.refresh_from_db()
    assert job.task_id and job.status == Status.QUEUED

    run_queued_tasks()
    job.refresh_from_db()
    assert (job.stage, job.status) == (Stage.PREVIEW, Status.DONE)
    assert job.preview["valid"] == 2 and job.preview["created"] == 2
    assert job.preview["error_count"] == 0 and not job.preview["imported"]
    assert job.progress_done == job.progress_total == 2
    assert Member.objects.count() == 0

    assert tasks.start_import(village_operator, job, only_valid=False)
    run_queued_tasks()
    job.refresh_from_db()
    assert (job.stage, job.status) == (Stage.IMPORT, Status.DONE)
    assert job.report["created"] == 2 and job.report["imported"]
    assert sorted(Member.objects.values_list("name", flat=True)) == ["会员1", "会员2"]
    assert job.stored_name == ""  # the file is gone once imported


@pytest.mark.django_db
def test_it_imports_only_the_valid_rows_when_asked(village_operator, tree):
    bad = member_row(3, 身份证号码="430121198503050010")
    job = _queue(village_operator, members_csv([member_row(1), bad]))
    run_queued_tasks()
    job.refresh_from_db()
    assert job.preview["error_count"] == 1
    assert job.preview["errors"][0]["row"] == 3
    assert tasks.start_import(village_operator, job, only_valid=True)
    run_queued_tasks()
    job.refresh_from_db()
    assert job.report["created"] == 1 and job.report["imported"]
    assert list(Member.objects.values_list("name", flat=True)) == ["会员1"]


@pytest.mark.django_db
def test_it_imports_nothing_of_a_file_with_errors_unless_asked(village_operator, tree):
    bad = member_row(3, 身份证号码="430121198503050010")
    job = _queue(village_operator, members_csv([member_row(1), bad]))
    run_queued_tasks()
    tasks.start_import(village_operator, job, only_valid=False)
    run_queued_tasks()
    job.refresh_from_db()
    assert job.status == Status.DONE and not job.report["imported"]
    assert Member.objects.count() == 0


@pytest.mark.django_db
def test_it_fails_an_unreadable_file_with_a_message_and_discards_it(village_operator, media):
    job = _queue(village_operator, b"just a line of text, no header\r\n")
    run_queued_tasks()
    job.refresh_from_db()
    assert job.status == Status.FAILED and job.error
    assert job.stored_name == ""
    assert not any((Path(media) / "imports").iterdir())


@pytest.mark.django_db
def test_it_fails_when_the_uploader_is_no_longer_active(village_operator, tree):
    job = _queue(village_operator, members_csv([member_row(1)]))
    village_operator.is_active = False
    village_operator.save()
    run_queued_tasks()
    job.refresh_from_db()
    assert job.status == Status.FAILED
    assert "no longer active" in job.error


@pytest.mark.django_db
def test_it_fails_a_file_encrypted_with_a_key_since_replaced(village_operator, tree, settings):
    from cryptography.fernet import Fernet

    job = _queue(village_operator, members_csv([member_row(1)]))
    settings.PII_KEY = Fernet.generate_key().decode()
    run_queued_tasks()
    job.refresh_from_db()
    assert job.status == Status.FAILED and "upload it again" in job.error


@pytest.mark.django_db
def test_it_runs_a_job_once_however_often_its_task_runs(village_operator, tree):
    job = _queue(village_operator, members_csv([member_row(1)]))
    run_queued_tasks()
    again = tasks.run_import_job.enqueue(str(job.pk))
    run_queued_tasks()
    assert DBTaskResult.objects.get(id=again.id).return_value == {
        "job": str(job.pk),
        "skipped": True,
    }


def test_it_writes_progress_at_most_twice_a_second(monkeypatch):
    written = []
    monkeypatch.setattr(tasks.jobs, "record_progress", lambda *args: written.append(args[1:]))
    monkeypatch.setattr(tasks, "connection", types.SimpleNamespace(in_atomic_block=False))
    clock = iter([0.0, 0.1, 0.2, 0.7, 0.8, 0.9])
    monkeypatch.setattr(tasks.time, "monotonic", lambda: next(clock))
    recorder = tasks.ProgressRecorder("job")
    for done in (1000, 2000, 3000, 4000, 5000):
        recorder(done, 10000)
    recorder(10000, 10000)  # the last call always writes
    assert written == [(1000, 10000), (4000, 10000), (10000, 10000)]


def test_it_writes_progress_from_a_side_connection_inside_a_postgresql_transaction(monkeypatch):
    written = []
    monkeypatch.setattr(tasks.jobs, "record_progress", lambda *args: written.append(args[1:]))
    monkeypatch.setattr(
        tasks, "connection", types.SimpleNamespace(in_atomic_block=True, vendor="postgresql")
    )
    recorder = tasks.ProgressRecorder("job", interval=0)
    recorder(1000, 3000)
    recorder(3000, 3000)
    recorder.close()
    assert written and written[-1] == (3000, 3000)


def test_it_writes_progress_beside_the_upload_inside_a_sqlite_transaction(monkeypatch):
    written, aside = [], []
    monkeypatch.setattr(tasks.jobs, "record_progress", lambda *args: written.append(args))
    monkeypatch.setattr(tasks.jobs, "record_progress_aside", lambda *args: aside.append(args))
    monkeypatch.setattr(
        tasks, "connection", types.SimpleNamespace(in_atomic_block=True, vendor="sqlite")
    )
    recorder = tasks.ProgressRecorder("job", interval=0)
    recorder(1, 2)
    recorder.close()
    assert written == [] and aside == [("job", 1, 2)]


# The real worker, in another process -----------------------------------------------------------


@pytest.fixture
def _seeded(transactional_db):
    """What migrations put in the tables, which every transactional test empties at its end."""
    from django.apps import apps

    ChainHead.objects.get_or_create(pk=1)
    import_module("registers.migrations.0002_seed_categories_and_carriers").seed(apps, None)


def _run_worker(database_url: str, tmp_path) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SANLIAN_VAR_DIR": str(tmp_path),
        "SANLIAN_SECRET_KEY": django_settings.SECRET_KEY,
        "SANLIAN_PII_KEY": django_settings.PII_KEY,
        "DJANGO_SETTINGS_MODULE": "sanlian.settings",
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "sanlian.cli",
            "db_worker",
            "--batch",
            "--no-reload",
            "--no-startup-delay",
            "--interval",
            "0",
        ],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.django_db(transaction=True)
def test_it_runs_an_import_through_the_real_worker_in_another_process(
    _seeded, village_operator, tree, settings, tmp_path
):
    """`sanlian db_worker --batch` in its own process takes the queued preview from the shared
    database, reads the stored file from the shared media directory, and finishes the job; then
    the same for the confirmed import."""
    settings.MEDIA_ROOT = tmp_path / "media"  # the worker's SANLIAN_VAR_DIR/media
    job = _queue(village_operator, members_csv([member_row(1), member_row(2)]))

    url = database_url(tmp_path)
    worker = _run_worker(url, tmp_path)
    assert worker.returncode == 0, worker.stderr
    take_back(url)
    job.refresh_from_db()
    assert (job.stage, job.status) == (Stage.PREVIEW, Status.DONE), job.error
    assert job.preview["valid"] == 2 and Member.objects.count() == 0
    assert DBTaskResult.objects.get(id=job.task_id).status == "SUCCESSFUL"

    assert tasks.start_import(village_operator, job, only_valid=False)
    url = database_url(tmp_path)
    worker = _run_worker(url, tmp_path)
    assert worker.returncode == 0, worker.stderr
    take_back(url)
    job.refresh_from_db()
    assert (job.stage, job.status) == (Stage.IMPORT, Status.DONE), job.error
    assert job.report["created"] == 2
    assert sorted(Member.objects.values_list("name", flat=True)) == ["会员1", "会员2"]
    assert not (tmp_path / "media" / f"imports/{job.pk}").exists()
