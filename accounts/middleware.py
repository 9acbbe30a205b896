import time

from django.conf import settings
from django.contrib.auth import SESSION_KEY, logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponse
from django.shortcuts import resolve_url

from accounts.signals import LOGIN_AT_KEY, RENEWED_AT_KEY


class AbsoluteSessionLimitMiddleware:
    """Ends a session a fixed time after login, however active it has been."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            login_at = request.session.get(LOGIN_AT_KEY)
            if login_at is None or time.time() - login_at > settings.SESSION_ABSOLUTE_SECONDS:
                path = request.get_full_path()
                logout(request)
                if request.path.startswith("/api/"):
                    # The API answers for itself: now anonymous, the request gets its JSON 401.
                    return self.get_response(request)
                return redirect_to_login(path)
        return self.get_response(request)


class SessionRenewalMiddleware:
    """Renews a logged-in session's idle expiry at most every SESSION_RENEW_SECONDS.

    Instead of SESSION_SAVE_EVERY_REQUEST: most page views then write nothing, so they neither
    wait for a writer (SQLite's one write lock, during an import) nor make one. Any request that
    changes the session anyway is stamped as renewed. Place it after the authentication
    middleware and its response phase runs before the session middleware saves.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        user = getattr(request, "user", None)
        # Only a session that holds a log-in: an API request by token has none to renew.
        if session is None or user is None or SESSION_KEY not in session:
            return response
        now = int(time.time())
        if session.modified or now - session.get(RENEWED_AT_KEY, 0) >= (
            settings.SESSION_RENEW_SECONDS
        ):
            session[RENEWED_AT_KEY] = now
        return response


class HtmxLoginRedirectMiddleware:
    """Turns a redirect to the login page into HX-Redirect for htmx requests.

    htmx follows a redirect inside its request and would swap the login page into a fragment;
    HX-Redirect makes the whole page go there. Place it before the middleware that redirects.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            request.headers.get("HX-Request")
            and response.status_code in (301, 302)
            and response.url.startswith(resolve_url(settings.LOGIN_URL))
        ):
            return HttpResponse(headers={"HX-Redirect": response.url})
        return response
