"""Task workers' heartbeats: a killed worker's task is failed within a minute by the other workers
(or by the same worker when it starts again), not when someone polls its job's page.

Each `sanlian db_worker` beats every BEAT_SECONDS from a thread of its own (its own database
connection, so a long task in the main thread does not hold it up) and, at each beat, fails the
running tasks of workers silent for DEAD_AFTER: the task result is marked failed, and the import
or report job that waited on it is failed with a message in its requester's language, audited,
and shown on the job's page (issue 14). On SQLite a beat is a file's modification time under the
var directory, since a long import holds the database's one write lock.
"""

import logging
import os
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from audit.actions import AuditAction
from audit.services import record_event
from jobs.actions import JobAction
from jobs.models import ImportJob, Status, WorkerHeartbeat

logger = logging.getLogger("sanlian.jobs.heartbeat")

BEAT_SECONDS = 10
DEAD_AFTER = timedelta(seconds=45)


class WorkerLost(RuntimeError):
    """The worker running the task stopped without finishing it (killed, out of memory)."""


def _folder() -> Path:
    return Path(settings.VAR_DIR) / "workers"


def beat(worker_id: str, now: datetime | None = None) -> None:
    now = now or timezone.now()
    if connection.vendor == "sqlite":
        path = _folder() / worker_id.replace("/", "_")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch()
        stamp = now.timestamp()
        os.utime(path, (stamp, stamp))
        return
    WorkerHeartbeat.objects.update_or_create(worker_id=worker_id, defaults={"beat_at": now})


def alive_workers(now: datetime | None = None) -> set[str]:
    cutoff = (now or timezone.now()) - DEAD_AFTER
    if connection.vendor == "sqlite":
        folder = _folder()
        if not folder.exists():
            return set()
        return {p.name for p in folder.iterdir() if p.stat().st_mtime >= cutoff.timestamp()}
    return set(
        WorkerHeartbeat.objects.filter(beat_at__gte=cutoff).values_list("worker_id", flat=True)
    )


def reap(now: datetime | None = None) -> int:
    """Fail the running tasks whose worker is silent, with their jobs; how many."""
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    now = now or timezone.now()
    alive = alive_workers(now)
    running = DBTaskResult.objects.filter(
        status=TaskResultStatus.RUNNING, started_at__lt=now - DEAD_AFTER
    )
    failed = 0
    for result in running:
        worker = result.worker_ids[-1] if result.worker_ids else ""
        if worker.replace("/", "_") in alive:
            continue
        with transaction.atomic():
            locked = (
                DBTaskResult.objects.select_for_update(skip_locked=True)
                .filter(pk=result.pk, status=TaskResultStatus.RUNNING)
                .first()
            )
            if locked is None:
                continue
            locked.set_failed(WorkerLost(f"worker {worker} stopped beating"))
            _fail_jobs(str(result.pk), worker, now)
        failed += 1
    return failed


# The job models a lost worker's jobs are failed in, with the action that records it: ImportJob
# here, and each app above adds its own (reports' ReportJob, from its AppConfig.ready), since jobs
# must not import them.
JOB_MODELS: list[tuple[type, AuditAction]] = [(ImportJob, JobAction.IMPORTS_WORKER_LOST)]


def register_job_model(model: type, action: AuditAction) -> None:
    """Have the heartbeat fail `model`'s queued or running jobs of a worker that stopped."""
    if (model, action) not in JOB_MODELS:
        JOB_MODELS.append((model, action))


def _fail_jobs(task_id: str, worker: str, now: datetime) -> None:
    for model, action in JOB_MODELS:
        jobs = model.objects.select_for_update().filter(
            task_id=task_id, status__in=(Status.QUEUED, Status.RUNNING)
        )
        for job in jobs:
            with translation.override(job.language or None):
                message = _(
                    "The background worker running this job stopped before finishing it. "
                    "Nothing of this run was kept; start it again."
                )
            model.objects.filter(pk=job.pk).update(
                status=Status.FAILED, error=message, finished_at=now, updated_at=now
            )
            record_event(
                actor=None,
                action=action,
                obj=job,
                before={"status": job.status},
                after={"status": Status.FAILED, "worker": worker},
            )


def run_heartbeat(worker_id: str, stop: threading.Event) -> None:
    """The heartbeat thread's loop: beat, fail what dead workers left, sleep."""
    try:
        while not stop.is_set():
            try:
                beat(worker_id)
                failed = reap()
                if failed:
                    logger.warning("failed %d task(s) of stopped workers", failed)
            except DatabaseError as error:  # a busy database: try again at the next beat
                logger.warning("heartbeat: %s", error)
            stop.wait(BEAT_SECONDS)
    finally:
        connection.close()


def start(worker_id: str) -> threading.Event:
    stop = threading.Event()
    thread = threading.Thread(
        target=run_heartbeat, args=(worker_id, stop), name="heartbeat", daemon=True
    )
    thread.start()
    time.sleep(0)  # let it beat before the first task is claimed
    return stop
