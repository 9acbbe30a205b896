"""A killed task worker: its running task and the job waiting on it are failed within a minute by
the workers' heartbeats (jobs.heartbeat), the requester told on the job's page, the audit chain
intact; a beating worker's task is left alone."""

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from audit.models import AuditEvent
from audit.services import verify_chain
from jobs import heartbeat, services
from jobs.models import ImportJob, Stage, Status
from jobs.tests.drill_tasks import wait_to_be_killed
from jobs.tests.helpers import upload
from sanlian.tests import crash


@pytest.fixture(autouse=True)
def folders(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.VAR_DIR = tmp_path


def _job_on(task_result, user) -> ImportJob:
    job = services.do_create_import_job(
        user,
        kind="members",
        upload=upload("会员.csv", b"a\r\n1\r\n"),
        filename="会员.csv",
        language="zh-hans",
    )
    services.mark_running(job.pk, Stage.PREVIEW)
    services.set_task_id(job.pk, task_result.id)
    return job


def _claimed_by(worker_id: str, started_ago: timedelta) -> DBTaskResult:
    result = DBTaskResult.objects.get(pk=wait_to_be_killed.enqueue(1).id)
    result.claim(worker_id)
    DBTaskResult.objects.filter(pk=result.pk).update(started_at=timezone.now() - started_ago)
    return result


@pytest.mark.django_db
def test_it_fails_the_task_and_job_of_a_silent_worker(village_operator):
    result = _claimed_by("worker-gone", started_ago=timedelta(minutes=2))
    job = _job_on(result, village_operator)
    heartbeat.beat("worker-gone", now=timezone.now() - timedelta(minutes=2))

    assert heartbeat.reap() == 1

    result.refresh_from_db()
    job.refresh_from_db()
    assert result.status == TaskResultStatus.FAILED
    assert job.status == Status.FAILED and "后台" in job.error
    assert AuditEvent.objects.filter(action="imports.worker_lost").exists()
    assert verify_chain().ok


@pytest.mark.django_db
def test_it_leaves_the_task_of_a_beating_worker(village_operator):
    result = _claimed_by("worker-alive", started_ago=timedelta(minutes=10))
    job = _job_on(result, village_operator)
    heartbeat.beat("worker-alive")

    assert heartbeat.reap() == 0

    job.refresh_from_db()
    assert job.status == Status.RUNNING


@pytest.mark.django_db
def test_it_gives_a_just_claimed_task_time_for_its_first_beat(village_operator):
    result = _claimed_by("worker-new", started_ago=timedelta(seconds=5))
    assert heartbeat.reap() == 0
    result.refresh_from_db()
    assert result.status == TaskResultStatus.RUNNING


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_task_has_its_task_and_job_failed_within_a_minute(
    live_seeded, village_operator, tmp_path
):
    result = DBTaskResult.objects.get(pk=wait_to_be_killed.enqueue(120).id)
    job = _job_on(result, village_operator)
    url = crash.database_url(tmp_path)
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "SANLIAN_VAR_DIR": str(tmp_path),
        "SANLIAN_SECRET_KEY": django_settings.SECRET_KEY,
        "SANLIAN_PII_KEY": django_settings.PII_KEY,
        "DJANGO_SETTINGS_MODULE": "sanlian.settings",
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "django",
            "db_worker",
            "--interval",
            "0.2",
            "--no-reload",
            "--no-startup-delay",
            "--worker-id",
            "drill-worker",
        ],
        cwd=crash.BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        _wait_until_running(result, url)
    finally:
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(60)
        worker.stderr.close()
    crash.take_back(url)
    assert DBTaskResult.objects.get(pk=result.pk).status == TaskResultStatus.RUNNING

    # The next beat of any worker, once the killed one has been silent for DEAD_AFTER.
    assert heartbeat.reap(now=timezone.now() + heartbeat.DEAD_AFTER + timedelta(seconds=1)) == 1

    job.refresh_from_db()
    assert job.status == Status.FAILED and job.error
    assert DBTaskResult.objects.get(pk=result.pk).status == TaskResultStatus.FAILED
    assert heartbeat.DEAD_AFTER + timedelta(seconds=heartbeat.BEAT_SECONDS) <= timedelta(minutes=1)
    assert verify_chain().ok


def _wait_until_running(result, url, seconds=120):
    """Poll (the worker's copy, on SQLite) until the worker has claimed the task and beaten."""
    import sqlite3

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if url.startswith("sqlite:///"):
            with sqlite3.connect(url.removeprefix("sqlite:///"), timeout=20) as db:
                row = db.execute(
                    "SELECT status FROM django_tasks_database_dbtaskresult WHERE id = ?",
                    [result.pk.hex],
                ).fetchone()
            status = row[0] if row else None
        else:
            status = DBTaskResult.objects.get(pk=result.pk).status
        if status == TaskResultStatus.RUNNING:
            return
        time.sleep(0.2)
    raise AssertionError("the worker never started the task")
