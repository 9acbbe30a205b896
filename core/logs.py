"""Structured logs: one JSON object a line, and the request id, user and unit on every line that a
request (or a task the worker runs) writes, carried in context variables."""

import json
import logging
import re
import time
import uuid
from contextvars import ContextVar
from datetime import UTC, datetime

request_context: ContextVar[dict | None] = ContextVar("sanlian_log_context", default=None)
CONTEXT_FIELDS = ("request_id", "user", "unit")
# A request id nginx sends ($request_id) is kept, so the proxy's and the app's lines match.
INCOMING_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
STANDARD_ATTRIBUTES = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}

request_logger = logging.getLogger("sanlian.request")
worker_logger = logging.getLogger("sanlian.worker")


class RequestContextFilter(logging.Filter):
    """Puts the current request's id, user and unit on the record ("-" outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        context = request_context.get() or {}
        for field in CONTEXT_FIELDS:
            if not hasattr(record, field):
                setattr(record, field, context.get(field, "-"))
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in STANDARD_ATTRIBUTES and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def note_units(request, units) -> None:
    """The units a page was rendered for (the navigation already has them: no extra query)."""
    request.log_units = ",".join(str(unit.pk) for unit in units)


def _unit(request) -> str:
    match = getattr(request, "resolver_match", None)
    if match is not None:
        if "unit_pk" in match.kwargs:
            return str(match.kwargs["unit_pk"])
        if match.namespace == "orgs" and "pk" in match.kwargs:
            return str(match.kwargs["pk"])
    return getattr(request, "log_units", "") or "-"


def _user(request) -> str:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return "-"
    return user.get_username()


class RequestLogMiddleware:
    """Gives each request an id (X-Request-ID, also sent back) and logs one line per request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.META.get("HTTP_X_REQUEST_ID", "")
        request_id = incoming if INCOMING_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        context = {"request_id": request_id, "user": "-", "unit": "-"}
        token = request_context.set(context)
        started = time.monotonic()
        try:
            response = self.get_response(request)
            context.update(user=_user(request), unit=_unit(request))
            response["X-Request-ID"] = request_id
            request_logger.info(
                "%s %s %s",
                request.method,
                request.path,
                response.status_code,
                extra={
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": round((time.monotonic() - started) * 1000, 1),
                },
            )
            return response
        finally:
            request_context.reset(token)


def log_task_started(sender, task_result, **kwargs) -> None:
    request_context.set({"request_id": f"task-{task_result.id}", "user": "-", "unit": "-"})
    worker_logger.info(
        "task started %s",
        task_result.task.module_path,
        extra={"task_id": str(task_result.id), "task": task_result.task.module_path},
    )


def log_task_finished(sender, task_result, **kwargs) -> None:
    started, finished = task_result.started_at, task_result.finished_at
    seconds = (finished - started).total_seconds() if started and finished else None
    worker_logger.info(
        "task finished %s %s in %s s",
        task_result.task.module_path,
        task_result.status,
        f"{seconds:.1f}" if seconds is not None else "?",
        extra={
            "task_id": str(task_result.id),
            "task": task_result.task.module_path,
            "status": str(task_result.status),
            "duration_s": seconds,
        },
    )
    request_context.set(None)
