"""When the database is busy: a lock timeout on web connections, one retry of a request that lost
a deadlock or a serialization conflict, and a clear "系统繁忙，请稍后重试" (a page, or JSON for the
API) instead of a 500 or a request hanging until the server kills it (docs/decisions.md, Busy).

The retry re-runs the view once. It is safe because no request runs in one transaction
(ATOMIC_REQUESTS is off): the service whose transaction lost was rolled back whole, and the
services that hit these errors write in one transaction each. Multipart requests (uploads) are not
retried when they carry files, which may have been read already; they get the busy answer.
"""

import logging
from io import BytesIO

from django.conf import settings
from django.db import OperationalError, connection
from django.db.backends.signals import connection_created
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

logger = logging.getLogger("sanlian.busy")

DEADLOCK = "40P01"
SERIALIZATION_FAILURE = "40001"
LOCK_NOT_AVAILABLE = "55P03"  # lock_timeout passed
QUERY_CANCELED = "57014"  # statement_timeout passed
RETRIED = {DEADLOCK, SERIALIZATION_FAILURE}
BUSY = RETRIED | {LOCK_NOT_AVAILABLE, QUERY_CANCELED}
RETRY_HEADER = "X-Sanlian-Retried"
BUSY_HEADER = "X-Sanlian-Busy"


def busy_state(error: BaseException) -> str | None:
    """The SQLSTATE (or "locked" for SQLite) when the error means "busy, try again", else None."""
    if not isinstance(error, OperationalError):
        return None
    sqlstate = getattr(error.__cause__, "sqlstate", None)
    if sqlstate in BUSY:
        return sqlstate
    if connection.vendor == "sqlite" and "database is locked" in str(error):
        return "locked"
    return None


def busy_response(request, reason: str):
    message = _("The system is busy, please try again shortly.")
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": message}, status=503)
    else:
        response = render(request, "busy.html", {"message": message}, status=503)
    response["Retry-After"] = "5"
    response[BUSY_HEADER] = reason
    return response


def _on_connection_created(sender, connection, **kwargs) -> None:
    """Once per new database connection of a web process: a request waits for a row lock at most
    SANLIAN_LOCK_TIMEOUT_SECONDS, then gets the busy answer. Only here, not per request: a
    connection is set once, and a request that opens none (/healthz) costs nothing. Task workers
    build no middleware, so they keep no limit: an import may wait for a long request."""
    if connection.vendor != "postgresql" or not settings.SANLIAN_LOCK_TIMEOUT_SECONDS:
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('lock_timeout', %s, false)", [_timeout_ms()])


def _timeout_ms() -> str:
    return f"{int(settings.SANLIAN_LOCK_TIMEOUT_SECONDS * 1000)}ms"


def _retriable(request) -> bool:
    # Not when the view left a transaction open around the failure (it could not be re-run
    # alone); the depth at the request's start is the caller's (a test's own transaction).
    if len(connection.atomic_blocks) > getattr(request, "sanlian_atomic_depth", 0):
        return False
    if request.content_type == "multipart/form-data":
        return not request.FILES  # parsed and kept by the first run; files may have been read
    return request.method in ("GET", "HEAD") or hasattr(request, "_body")


class BusyMiddleware:
    """Place it last, so that the retry re-runs only the view."""

    def __init__(self, get_response):
        self.get_response = get_response
        # Only processes that serve requests build this middleware, and they build it before
        # their first connection (sanlian.wsgi closes the one its key check opened).
        connection_created.connect(_on_connection_created, dispatch_uid="sanlian.busy")

    def __call__(self, request):
        request.sanlian_atomic_depth = len(connection.atomic_blocks)
        if request.method not in ("GET", "HEAD") and request.content_type != "multipart/form-data":
            request.body  # keep the body, so that a retry can read it again  # noqa: B018
        return self.get_response(request)

    def process_exception(self, request, exception):
        reason = busy_state(exception)
        if reason is None:
            return None
        if reason in RETRIED and _retriable(request):
            logger.warning("retrying %s %s after %s", request.method, request.path, reason)
            if hasattr(request, "_body"):
                request._stream = BytesIO(request._body)
                request._read_started = False
            match = request.resolver_match
            try:
                response = match.func(request, *match.args, **match.kwargs)
                if hasattr(response, "render") and callable(response.render):
                    response = response.render()
            except OperationalError as again:
                reason = busy_state(again)
                if reason is None:
                    raise
            else:
                response[RETRY_HEADER] = reason
                return response
        logger.warning("busy: %s %s answered 503 after %s", request.method, request.path, reason)
        return busy_response(request, reason)
