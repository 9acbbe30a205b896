import time

from django.conf import settings
from django.contrib.auth import logout
from django.shortcuts import redirect

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
                logout(request)
                return redirect(settings.LOGIN_URL)
        return self.get_response(request)
