"""`/healthz` (the process answers) and `/readyz` (it can serve: database, migrations, static files,
media, fonts, key, queue), for nginx, systemd and monitoring. Plain JSON, no template: a page that
needs the static manifest could not report that the manifest is missing."""

import tempfile
import time
from collections.abc import Callable

from django.conf import settings
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from sanlian.checks import static_manifest_missing


def _database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return connection.vendor


def _migrations() -> str:
    executor = MigrationExecutor(connection)
    pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if pending:
        raise RuntimeError(f"{len(pending)} migrations not applied: run `sanlian upgrade`")
    return "applied"


def _static_files() -> str:
    missing = static_manifest_missing()
    if missing:
        raise RuntimeError("static files not collected: run `sanlian upgrade`")
    return "collected"


def _media() -> str:
    settings.MEDIA_ROOT.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=settings.MEDIA_ROOT, prefix=".readyz-"):
        pass
    return "writable"


def _fonts() -> str:
    from reports.pdf import missing_fonts

    missing = missing_fonts()
    if missing:
        raise RuntimeError("CJK fonts missing: " + ", ".join(missing))
    return "installed"


def _key() -> str:
    from sanlian.keys import verify_pii_key

    verify_pii_key()
    return "matches"


def oldest_queued_seconds() -> float:
    """How long the oldest task ready to run has waited (0 with an empty queue)."""
    from django_tasks_db.models import DBTaskResult

    oldest = DBTaskResult.objects.ready().order_by("enqueued_at").values_list("enqueued_at")
    first = oldest.first()
    return (timezone.now() - first[0]).total_seconds() if first else 0.0


def _queue() -> str:
    age = oldest_queued_seconds()
    limit = settings.SANLIAN_READY_QUEUE_MAX_SECONDS
    if age > limit:
        raise RuntimeError(f"oldest queued task waits {age:.0f} s (> {limit} s): is the worker up?")
    return f"oldest queued task {age:.0f} s"


CHECKS: dict[str, Callable[[], str]] = {
    "database": _database,
    "migrations": _migrations,
    "static": _static_files,
    "media": _media,
    "fonts": _fonts,
    "key": _key,
    "queue": _queue,
}
# Without the database the checks that read it cannot say anything more useful.
NEEDS_DATABASE = {"migrations", "key", "queue"}


def run_checks() -> dict[str, dict]:
    results: dict[str, dict] = {}
    for name, check in CHECKS.items():
        if name in NEEDS_DATABASE and not results["database"]["ok"]:
            results[name] = {"ok": False, "detail": "database unavailable"}
            continue
        started = time.monotonic()
        try:
            results[name] = {"ok": True, "detail": check()}
        except Exception as error:  # whatever fails, the process is not ready: say why
            results[name] = {"ok": False, "detail": str(error) or type(error).__name__}
        results[name]["ms"] = round((time.monotonic() - started) * 1000, 1)
    return results


@never_cache
@require_GET
def healthz(request):
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def readyz(request):
    results = run_checks()
    ready = all(result["ok"] for result in results.values())
    return JsonResponse(
        {"status": "ready" if ready else "not ready", "checks": results},
        status=200 if ready else 503,
    )
