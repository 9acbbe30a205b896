import time

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponse
from django.shortcuts import resolve_url

from accounts.signals import LOGIN_AT_KEY


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
