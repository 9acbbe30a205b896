"""Sessions: 30-minute idle timeout, 12-hour absolute limit, logout ends them on the server."""

import time
from datetime import timedelta

import time_machine
from django.conf import settings
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone

import accounts.middleware
from accounts.middleware import RENEWED_AT_KEY
from accounts.signals import LOGIN_AT_KEY
from audit.models import AuditEvent
from conftest import PASSWORD


def _log_in(client):
    response = client.post(reverse("login"), {"username": "township_1", "password": PASSWORD})
    assert response.status_code == 302
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def _set_login_time(client, seconds_ago: float) -> None:
    session = client.session
    session[LOGIN_AT_KEY] = int(time.time() - seconds_ago)
    session.save()


def test_it_times_out_idle_sessions_after_thirty_minutes():
    assert settings.SESSION_COOKIE_AGE == 1800
    assert settings.SESSION_SAVE_EVERY_REQUEST is False
    assert settings.SESSION_RENEW_SECONDS == 300
    assert settings.SESSION_ABSOLUTE_SECONDS == 12 * 3600


def test_it_records_the_login_time_in_the_session(client, township_officer):
    before = int(time.time())
    _log_in(client)
    assert before <= client.session[LOGIN_AT_KEY] <= time.time()


def _set_renewal_time(client, seconds_ago: float) -> None:
    session = client.session
    session[RENEWED_AT_KEY] = int(time.time() - seconds_ago)
    session.save()


def test_it_renews_the_expiry_once_the_last_renewal_is_five_minutes_old(client, township_officer):
    key = _log_in(client)
    _set_renewal_time(client, 5 * 60 + 1)
    Session.objects.filter(session_key=key).update(
        expire_date=timezone.now() + timedelta(minutes=1)
    )
    assert client.get(reverse("home")).status_code == 200
    expiry = Session.objects.get(session_key=key).expire_date
    assert expiry > timezone.now() + timedelta(minutes=29)


def test_it_writes_nothing_to_the_session_on_a_page_view_soon_after_a_renewal(
    client, township_officer
):
    key = _log_in(client)
    _set_renewal_time(client, 60)
    soon = timezone.now() + timedelta(minutes=20)
    Session.objects.filter(session_key=key).update(expire_date=soon)
    assert client.get(reverse("home")).status_code == 200
    assert Session.objects.get(session_key=key).expire_date == soon


def test_it_ends_a_session_idle_for_thirty_minutes_even_between_renewals(
    client, township_officer, monkeypatch
):
    _log_in(client)
    later = time.time() + settings.SESSION_COOKIE_AGE + 1
    monkeypatch.setattr(accounts.middleware, "time", _Clock(later))
    expired = timezone.now() + timedelta(seconds=settings.SESSION_COOKIE_AGE + 1)
    with time_machine.travel(expired, tick=False):
        response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_it_rejects_a_session_whose_idle_expiry_passed(client, township_officer):
    key = _log_in(client)
    Session.objects.filter(session_key=key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_it_keeps_an_active_session_within_twelve_hours(client, township_officer):
    _log_in(client)
    _set_login_time(client, 11 * 3600 + 59 * 60)
    assert client.get(reverse("home")).status_code == 200


def test_it_logs_out_a_session_older_than_twelve_hours(client, township_officer):
    key = _log_in(client)
    _set_login_time(client, 13 * 3600)
    response = client.get(reverse("orgs:tree"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
    assert not Session.objects.filter(session_key=key).exists()
    # The next request is anonymous too: the limit cannot be dodged by retrying.
    again = client.get(reverse("home"))
    assert again.status_code == 302 and again.url.startswith(reverse("login"))


def test_it_sends_the_user_back_where_they_were_after_the_absolute_limit(
    client, township_officer, tree
):
    _log_in(client)
    _set_login_time(client, 13 * 3600)
    page = reverse("orgs:unit", args=[tree.village_1.pk])
    response = client.get(page)
    assert response.status_code == 302
    assert response.url == f"{reverse('login')}?next={page}"


def test_it_makes_htmx_reload_the_whole_page_at_the_absolute_limit(client, township_officer):
    _log_in(client)
    _set_login_time(client, 13 * 3600)
    response = client.get(reverse("orgs:tree"), {"q": "村"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert response["HX-Redirect"].startswith(reverse("login"))
    assert response.content == b""
    assert "_auth_user_id" not in client.session


def test_it_applies_the_absolute_limit_by_the_clock(client, township_officer, monkeypatch):
    """Time moving on (not only an old stamp) ends the session at the absolute limit."""
    _log_in(client)
    later = time.time() + settings.SESSION_ABSOLUTE_SECONDS + 60
    monkeypatch.setattr(accounts.middleware, "time", _Clock(later))
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_it_logs_out_a_session_without_a_login_time(client, township_officer):
    _log_in(client)
    session = client.session
    del session[LOGIN_AT_KEY]
    session.save()
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_it_deletes_the_session_on_the_server_at_logout(client, township_officer):
    key = _log_in(client)
    assert Session.objects.filter(session_key=key).exists()
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert not Session.objects.filter(session_key=key).exists()
    assert client.get(reverse("home")).status_code == 302
    assert AuditEvent.objects.filter(action="accounts.logout", actor=township_officer).exists()


def test_it_does_not_log_out_on_a_get(client, township_officer):
    key = _log_in(client)
    assert client.get(reverse("logout")).status_code == 405
    assert Session.objects.filter(session_key=key).exists()


class _Clock:
    """Stands in for the `time` module inside accounts.middleware only."""

    def __init__(self, now: float):
        self.now = now

    def time(self) -> float:
        return self.now


def test_it_sends_an_anonymous_htmx_request_to_the_login_page_as_a_whole(client, tree):
    response = client.get(reverse("orgs:tree"), {"q": "村"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert response["HX-Redirect"].startswith(reverse("login"))


def test_it_lets_the_api_answer_401_when_the_absolute_limit_has_passed(client, county_officer):
    client.force_login(county_officer)
    session = client.session
    session["sanlian_login_at"] = int(time.time()) - 13 * 3600
    session.save()
    response = client.get("/api/v1/units/")
    assert response.status_code == 401
    assert response.json()["detail"]


def test_it_creates_no_session_for_an_api_request_by_token(as_user, county_officer):
    before = Session.objects.count()
    assert as_user(county_officer).get("/api/v1/units/").status_code == 200
    assert Session.objects.count() == before
