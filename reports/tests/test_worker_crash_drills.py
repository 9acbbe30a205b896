"""Crash drills on a real task worker (`sanlian db_worker`, heartbeat and all): it is killed with
SIGKILL in the middle of a member import (its rows and its audit event written, not committed) and
of a progress report (built, not stored). Nothing of the run is applied, the audit chain verifies,
the next heartbeat of any worker fails the job, and its requester reads why on the job's page."""

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from audit.services import verify_chain
from campaigns.models import Campaign
from jobs import heartbeat
from jobs.models import ImportJob, Stage, Status
from jobs.services import do_create_import_job
from jobs.tests.helpers import run_queued_tasks, upload
from registers.importers import IMPORT_ACTION
from registers.models import Member
from registers.tasks import start_import, start_preview
from registers.tests.import_files import member_row, members_csv
from reports import tasks as report_tasks
from reports.job_models import ReportJob
from sanlian.tests import crash

# The worker of a drill: it dies inside the audit event ARGS["pause_at"], or on calling the
# function ARGS["pause_in"] ("module:name").
WORKER = """
import importlib
from django.core.management import call_command
from django.db.models.signals import post_save
from audit.models import AuditEvent

def pause(sender, instance, **kwargs):
    if instance.action == ARGS.get("pause_at"):
        die_here()

post_save.connect(pause, sender=AuditEvent, weak=False)
if ARGS.get("pause_in"):
    module, name = ARGS["pause_in"].split(":")
    setattr(importlib.import_module(module), name, lambda *a, **k: die_here())
call_command(
    "db_worker", "--interval", "0.1", "--no-reload", "--no-startup-delay",
    "--worker-id", "drill-worker",
)
"""


@pytest.fixture(autouse=True)
def folders(settings, tmp_path):
    # The worker's var and media directories are the test's (crash.run_until_killed).
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.VAR_DIR = tmp_path


def _kill_worker_mid_task(tmp_path, **pause) -> None:
    url = crash.database_url(tmp_path)
    crash.run_until_killed(WORKER, url, tmp_path, json.dumps(pause))
    crash.take_back(url)


def _after_the_next_heartbeat() -> int:
    """What the next beat of any worker does once the killed one has been silent long enough."""
    return heartbeat.reap(now=timezone.now() + heartbeat.DEAD_AFTER + timedelta(seconds=1))


def _page(user, name: str, job) -> str:
    client = Client()
    client.force_login(user)
    return client.get(reverse(name, args=[job.pk])).content.decode()


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_import_applies_nothing_and_fails_the_job(
    live_seeded, tree, village_operator, tmp_path
):
    rows = [member_row(n) for n in range(1, 13)]
    job = do_create_import_job(
        village_operator,
        kind="members",
        upload=upload("会员.csv", members_csv(rows)),
        filename="会员.csv",
        language="zh-hans",
    )
    start_preview(job)
    run_queued_tasks()
    assert start_import(village_operator, job, only_valid=False)
    events = AuditEvent.objects.count()

    _kill_worker_mid_task(tmp_path, pause_at=IMPORT_ACTION)

    assert not Member.objects.exists()
    assert AuditEvent.objects.count() == events
    job.refresh_from_db()
    assert (job.stage, job.status) == (Stage.IMPORT, Status.RUNNING)
    assert _after_the_next_heartbeat() == 1
    job.refresh_from_db()
    assert job.status == Status.FAILED
    assert job.error in _page(village_operator, "registers:import_job", job)
    assert ImportJob.objects.get(pk=job.pk).finished_at is not None
    report = verify_chain()
    assert report.ok, report.reason


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_report_stores_nothing_and_fails_the_job(
    live_seeded, tree, county_officer, tmp_path
):
    Campaign.objects.create(
        organiser=tree.county_a, name="三联创 2026—2030", first_year=2026, last_year=2030
    )
    job = report_tasks.start_progress_job(county_officer, tree.county_a, 2027, "xlsx")

    _kill_worker_mid_task(tmp_path, pause_in="reports.progress:render")

    job.refresh_from_db()
    assert (job.status, job.stored_name) == (Status.RUNNING, "")
    assert _after_the_next_heartbeat() == 1
    job.refresh_from_db()
    assert job.status == Status.FAILED and job.error
    assert job.error in _page(county_officer, "reports:report_job", job)
    assert not (tmp_path / "media" / report_tasks.STORAGE_DIR).exists()
    assert ReportJob.objects.filter(status=Status.DONE).count() == 0
    report = verify_chain()
    assert report.ok, report.reason
