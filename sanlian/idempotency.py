"""Idempotency: a write sent twice is applied once (docs/decisions.md, Many users at once).

API creates accept an `Idempotency-Key` header; forms carry a one-time token (`{% once_token %}`,
field `once_token`). The first request with a key claims it (a unique row, committed at once);
a repeat with the same key gets the first answer again: the API its stored status and JSON body
(with `Idempotent-Replayed: true`), a form the page the first submit went to. A repeat that
arrives while the first is still running gets 409. An answer that saved nothing (a form shown
again with its errors, an API error) releases the key, so that the corrected request can use it.
"""

import hashlib
from datetime import timedelta

from django.contrib import messages
from django.db import IntegrityError, transaction
from django.http import HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

FORM_FIELD = "once_token"
HEADER = "Idempotency-Key"
KEPT_FOR = timedelta(hours=24)
# A claim still "being processed" after this long was left by a killed process (the web timeout
# is 2 minutes by default): a repeat may take it over instead of getting 409 for a day.
ABANDONED_AFTER = timedelta(minutes=5)
MAX_KEY = 128


def _scope(request) -> str | None:
    """Who sent the request: keys of different users never meet."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    token = request.headers.get("Authorization") or request.headers.get("X-API-Token")
    if token:
        return "token:" + hashlib.sha256(token.encode()).hexdigest()[:48]
    return None


def _key(request) -> tuple[str | None, bool]:
    """The request's key and whether it came from the API."""
    if request.path.startswith("/api/"):
        return request.headers.get(HEADER), True
    if request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        return request.POST.get(FORM_FIELD), False
    return None, False


def _claim(scope: str, key: str, path: str):
    from sanlian.models import Submission

    for _attempt in range(2):
        try:
            with transaction.atomic():
                return Submission.objects.create(scope=scope, key=key, path=path[:300]), None
        except IntegrityError:
            abandoned = Submission.objects.filter(
                scope=scope, key=key, status=0, created_at__lt=timezone.now() - ABANDONED_AFTER
            )
            if not abandoned.delete()[0]:
                break
    return None, Submission.objects.filter(scope=scope, key=key).first()


def _repeat(request, earlier, api: bool):
    """The answer to a repeat of an earlier request with the same key."""
    if earlier is None or earlier.path != request.path[:300]:
        message = _("This Idempotency-Key was used for another request.")
        if api:
            return JsonResponse({"detail": message}, status=422)
        return HttpResponseRedirect(request.path)
    if earlier.status == 0:
        message = _("The same request is still being processed; wait a moment.")
        if api:
            return JsonResponse({"detail": message}, status=409)
        return render(request, "busy.html", {"message": message}, status=409)
    if api:
        response = HttpResponse(
            bytes(earlier.body), status=earlier.status, content_type=earlier.content_type
        )
        response["Idempotent-Replayed"] = "true"
        return response
    messages.info(request, _("This form had already been sent: it was saved once."))
    return HttpResponseRedirect(earlier.location or request.path)


def _keep(record, response, api: bool) -> bool:
    if api:
        if not 200 <= response.status_code < 300 or getattr(response, "streaming", False):
            return False
        record.body = response.content
        record.content_type = response.get("Content-Type", "application/json")[:100]
    else:
        if response.status_code not in (301, 302, 303):
            return False  # the form shown again (its errors): nothing was saved
        record.location = response["Location"][:500]
    record.status = response.status_code
    record.save(update_fields=["status", "location", "body", "content_type"])
    return True


class IdempotencyMiddleware:
    """Place it after the authentication middleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method != "POST":
            return self.get_response(request)
        key, api = _key(request)
        scope = _scope(request) if key else None
        if not key or scope is None:
            return self.get_response(request)
        key = key.strip()[:MAX_KEY]
        record, earlier = _claim(scope, key, request.path)
        if record is None:
            return _repeat(request, earlier, api)
        try:
            response = self.get_response(request)
        except BaseException:
            record.delete()
            raise
        if not _keep(record, response, api):
            record.delete()
        return response


def prune(now=None) -> int:
    """Forget keys older than a day (from `sanlian prune_jobs`)."""
    from sanlian.models import Submission

    cutoff = (now or timezone.now()) - KEPT_FOR
    return Submission.objects.filter(created_at__lt=cutoff).delete()[0]
