"""Who is calling the API: an API token, or the logged-in session of the pages.

Tokens are tried first. A token that is sent and does not work answers 401 at once, even when a
session cookie came with it, so a revoked token never rides on a browser session. The session is
only consulted for a logged-in user, and then its unsafe requests must pass Django's CSRF check
(ninja's own SessionAuth checks CSRF before it knows whether anyone is logged in, which turned
token POSTs from scripts into 403s).
"""

from django.conf import settings
from ninja.security import APIKeyHeader, HttpBearer
from ninja.security.apikey import APIKeyCookie
from ninja.utils import check_csrf

from accounts.actions import AccountAction
from accounts.services import user_for_token
from api.errors import CsrfFailed, InvalidToken
from audit.models import Result
from audit.services import record_event


def _refuse(request, raw: str) -> None:
    record_event(
        actor=None,
        action=AccountAction.TOKEN_REFUSED,
        object_type="accounts.apitoken",
        object_label=raw[:10],
        result=Result.FAILED,
        ip_address=request.META.get("REMOTE_ADDR", ""),
        after={"path": request.path[:200], "method": request.method},
    )
    raise InvalidToken()


def _token_user(request, raw: str):
    raw = (raw or "").strip()
    user = user_for_token(raw) if raw else None
    if user is None:
        _refuse(request, raw)
    request.user = user
    return user


class BearerToken(HttpBearer):
    """`Authorization: Bearer sl_…` with a token created by `sanlian token create`."""

    def __call__(self, request):
        value = request.headers.get(self.header, "")
        scheme, _, token = value.partition(" ")
        if scheme.lower() != self.openapi_scheme:
            return None  # no bearer token here; the next method may apply
        return self.authenticate(request, token)

    def authenticate(self, request, token):
        return _token_user(request, token)


class HeaderToken(APIKeyHeader):
    """`X-API-Token: sl_…`, for clients that cannot set the Authorization header."""

    param_name = "X-API-Token"

    def __call__(self, request):
        if self.param_name not in request.headers:
            return None
        return self.authenticate(request, request.headers[self.param_name])

    def authenticate(self, request, key):
        return _token_user(request, key or "")


class SessionAuth(APIKeyCookie):
    """The pages' login session; unsafe methods need the CSRF token as on the pages."""

    param_name = settings.SESSION_COOKIE_NAME

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        if not getattr(request, "_ninja_csrf_exempt", False) and check_csrf(request):
            raise CsrfFailed()
        return user

    def _get_key(self, request):  # pragma: no cover - __call__ does not use it
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request, key):  # pragma: no cover - __call__ does not use it
        return None


API_AUTH = [BearerToken(), HeaderToken(), SessionAuth()]
