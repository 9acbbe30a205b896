"""Login successes, failures and lockouts go to the audit log."""

import time

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from accounts.access import client_address
from accounts.actions import AccountAction
from audit.models import Result
from audit.services import record_event

LOGIN_AT_KEY = "sanlian_login_at"
# When the session's idle expiry was last renewed (accounts.middleware.SessionRenewalMiddleware).
RENEWED_AT_KEY = "sanlian_renewed_at"


@receiver(user_logged_in)
def on_login(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        request.session[LOGIN_AT_KEY] = request.session[RENEWED_AT_KEY] = int(time.time())
    record_event(
        actor=user, action=AccountAction.LOGIN, obj=user, ip_address=client_address(request)
    )


@receiver(user_logged_out)
def on_logout(sender, request, user, **kwargs):
    if user is not None:
        record_event(
            actor=user, action=AccountAction.LOGOUT, obj=user, ip_address=client_address(request)
        )


@receiver(user_login_failed)
def on_login_failed(sender, credentials, request=None, **kwargs):
    username = str(credentials.get("username", ""))[:150]
    record_event(
        actor=None,
        action=AccountAction.LOGIN_FAILED,
        object_type="auth.user",
        object_label=username,
        result=Result.FAILED,
        ip_address=client_address(request),
    )


@receiver(user_locked_out)
def on_locked_out(sender, request, username, ip_address, **kwargs):
    record_event(
        actor=None,
        action=AccountAction.LOCKED_OUT,
        object_type="auth.user",
        object_label=str(username or "")[:150],
        result=Result.DENIED,
        ip_address=ip_address or "",
    )
