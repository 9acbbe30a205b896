"""Structured logs: one JSON line per record with the request id, user and unit; one line per
request; the worker's start, end and duration of every task."""

import json
import logging
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.utils import timezone

from core.logs import (
    JsonFormatter,
    RequestContextFilter,
    log_task_finished,
    log_task_started,
    request_context,
)


def _request_records(caplog):
    return [r for r in caplog.records if r.name == "sanlian.request"]


def test_it_formats_a_record_as_one_json_line_with_its_context():
    record = logging.makeLogRecord(
        {"name": "x", "levelname": "INFO", "msg": "导入 %s", "args": (3,)}
    )
    token = request_context.set({"request_id": "abc123", "user": "township_1", "unit": "7"})
    try:
        RequestContextFilter().filter(record)
    finally:
        request_context.reset(token)
    line = JsonFormatter().format(record)
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["message"] == "导入 3"
    assert (entry["request_id"], entry["user"], entry["unit"]) == ("abc123", "township_1", "7")


@pytest.mark.django_db
def test_it_logs_each_request_with_an_id_it_sends_back(client, caplog):
    with caplog.at_level(logging.INFO, logger="sanlian.request"):
        response = client.get("/login/")
    (record,) = _request_records(caplog)
    assert response["X-Request-ID"] == record.request_id
    assert (record.status, record.path, record.user) == (200, "/login/", "-")
    assert record.duration_ms >= 0


@pytest.mark.django_db
def test_it_keeps_the_proxys_request_id(client, caplog):
    with caplog.at_level(logging.INFO, logger="sanlian.request"):
        response = client.get("/healthz", HTTP_X_REQUEST_ID="nginx-0123456789abcdef")
    assert response["X-Request-ID"] == "nginx-0123456789abcdef"
    assert _request_records(caplog)[0].request_id == "nginx-0123456789abcdef"


def test_it_replaces_a_request_id_that_is_not_an_id(client, caplog):
    response = client.get("/healthz", HTTP_X_REQUEST_ID="<script>")
    assert response["X-Request-ID"] != "<script>" and len(response["X-Request-ID"]) == 32


@pytest.mark.django_db
def test_it_logs_the_user_and_unit_of_a_signed_in_request(client, township_officer, caplog, tree):
    client.force_login(township_officer)
    with caplog.at_level(logging.INFO, logger="sanlian.request"):
        client.get(f"/units/{tree.village_1.pk}/")
    (record,) = _request_records(caplog)
    assert (record.user, record.unit) == ("township_1", str(tree.village_1.pk))


def test_it_logs_the_start_end_and_duration_of_a_task(caplog):
    now = timezone.now()
    result = SimpleNamespace(
        id="t-1",
        task=SimpleNamespace(module_path="registers.tasks.run_import_job"),
        status="SUCCESSFUL",
        started_at=now - timedelta(seconds=12.5),
        finished_at=now,
    )
    with caplog.at_level(logging.INFO, logger="sanlian.worker"):
        log_task_started(None, result)
        log_task_finished(None, result)
    started, finished = [r for r in caplog.records if r.name == "sanlian.worker"]
    assert started.getMessage() == "task started registers.tasks.run_import_job"
    assert finished.duration_s == pytest.approx(12.5)
    assert finished.status == "SUCCESSFUL" and "12.5 s" in finished.getMessage()
