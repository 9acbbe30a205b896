"""Test helpers for background jobs: run queued tasks in this process, and upload files."""

from unittest import mock

from django.core.files.uploadedfile import SimpleUploadedFile
from django_tasks_db.management.commands import db_worker


def run_queued_tasks() -> None:
    """Run every queued task with the database worker's own loop, in this process and this
    test's transaction (the worker's connection housekeeping would end that transaction, so it
    is skipped here; the real worker runs in `test_tasks.py`)."""
    worker = db_worker.Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="in-process-test-worker",
        excluded_queue_names=[],
    )
    with mock.patch.object(db_worker, "close_old_connections", lambda: None):
        worker.run()


def upload(name: str, content: bytes, content_type: str = "application/octet-stream"):
    return SimpleUploadedFile(name, content, content_type=content_type)
