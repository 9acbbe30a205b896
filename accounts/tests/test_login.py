"""Logging in: argon2 hashes, Chinese by default, audit of every attempt, lockout, policy."""

import re
from datetime import timedelta
from pathlib import Path

import polib
import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent, Result
from conftest import PASSWORD

PO_FILE = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def _log_in(client, username, password, address="10.0.0.1"):
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address
    )


def _logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def _chinese_login_label_or_skip():
    """The translated label of the login button, or skip while the catalogue is unwritten."""
    if not PO_FILE.exists():
        pytest.skip(f"{PO_FILE} does not exist yet (the Chinese catalogue is being written)")
    entry = polib.pofile(str(PO_FILE)).find("Log in")
    if entry is None or not entry.msgstr or entry.fuzzy:
        pytest.skip("“Log in” has no Chinese translation in django.po yet")
    mo_file = PO_FILE.with_suffix(".mo")
    if not mo_file.exists() or mo_file.stat().st_mtime < PO_FILE.stat().st_mtime:
        pytest.skip("django.mo is missing or older than django.po: run `make messages`")
    return entry.msgstr


def test_it_hashes_passwords_with_argon2(township_officer):
    assert township_officer.password.startswith("argon2")
    assert township_officer.check_password(PASSWORD)


def test_it_renders_the_login_page_in_chinese_by_default(client, db):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    html = response.content.decode()
    assert re.search(r'<html lang="zh-hans"', html)
    assert 'name="username"' in html and 'name="password"' in html
    assert 'name="csrfmiddlewaretoken"' in html


def test_it_renders_the_login_page_in_english_when_the_browser_asks(client, db):
    response = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.8")
    assert '<html lang="en"' in response.content.decode()


def test_it_labels_the_login_button_in_chinese(client, db):
    label = _chinese_login_label_or_skip()
    assert label == "登录"
    html = client.get(reverse("login")).content.decode()
    assert re.search(r'<button type="submit">\s*登录\s*</button>', html)


def test_it_logs_a_persona_in_and_records_the_event(client, township_officer):
    response = _log_in(client, "township_1", PASSWORD)
    assert response.status_code == 302
    assert response.url == reverse("home")
    assert _logged_in(client)
    event = AuditEvent.objects.get(action="accounts.login")
    assert event.actor_id == township_officer.pk
    assert event.result == Result.OK
    assert event.ip_address == "10.0.0.1"


def test_it_records_a_failed_login(client, township_officer):
    response = _log_in(client, "township_1", "not-the-password")
    assert response.status_code == 200
    assert not _logged_in(client)
    assert response.context["form"].non_field_errors()
    event = AuditEvent.objects.get(action="accounts.login_failed")
    assert event.result == Result.FAILED
    assert event.object_label == "township_1"
    assert event.actor_id is None
    assert "not-the-password" not in str(event.after) + str(event.before)
    assert not AuditEvent.objects.filter(action="accounts.login").exists()


def test_it_does_not_lock_an_account_before_the_fifth_failure(client, township_officer):
    for _ in range(4):
        _log_in(client, "township_1", "wrong-password")
    response = _log_in(client, "township_1", PASSWORD)
    assert response.status_code == 302
    assert _logged_in(client)


def test_it_locks_an_account_after_five_failures_even_with_the_right_password(
    client, township_officer
):
    assert settings.AXES_FAILURE_LIMIT == 5
    for _ in range(5):
        _log_in(client, "township_1", "wrong-password", address="10.0.1.1")
    response = _log_in(client, "township_1", PASSWORD, address="10.0.1.1")
    assert response.status_code == 429
    assert not _logged_in(client)
    assert AuditEvent.objects.filter(
        action="accounts.locked_out", object_label="township_1", result=Result.DENIED
    ).exists()
    assert AuditEvent.objects.filter(action="accounts.login_failed").count() == 6
    assert not AuditEvent.objects.filter(action="accounts.login").exists()


# Thresholds per account, per (account, address) and per address: accounts/tests/test_lockout.py.


def test_it_keeps_the_lock_until_the_cool_off_period_ends(client, township_officer):
    for _ in range(5):
        _log_in(client, "township_1", "wrong-password")
    AccessAttempt.objects.update(
        attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME + timedelta(minutes=1)
    )
    assert _log_in(client, "township_1", PASSWORD).status_code == 429
    assert not _logged_in(client)


def test_it_unlocks_after_the_cool_off_period(client, township_officer):
    assert timedelta(minutes=15) <= settings.AXES_COOLOFF_TIME <= timedelta(minutes=30)
    for _ in range(5):
        _log_in(client, "township_1", "wrong-password")
    assert _log_in(client, "township_1", PASSWORD).status_code == 429
    AccessAttempt.objects.update(
        attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME - timedelta(minutes=1)
    )
    assert _log_in(client, "township_1", PASSWORD).status_code == 302
    assert _logged_in(client)


@pytest.mark.parametrize(
    ("password", "code"),
    [
        ("short1!", "password_too_short"),
        ("password123", "password_too_common"),
        ("qwertyuiop", "password_too_common"),
        ("9081726354019", "password_entirely_numeric"),
    ],
)
def test_it_rejects_short_common_or_numeric_passwords(password, code):
    with pytest.raises(ValidationError) as raised:
        validate_password(password)
    assert [error.code for error in raised.value.error_list] == [code]


def test_it_accepts_a_long_passphrase():
    assert validate_password("青山镇 plum blossom rides the tractor") is None


def test_it_rejects_a_password_like_the_username(township_officer):
    with pytest.raises(ValidationError) as raised:
        validate_password("township_1x", user=township_officer)
    assert [error.code for error in raised.value.error_list] == ["password_too_similar"]


def test_it_gives_a_new_session_key_at_login(client, township_officer):
    session = client.session
    session["before_login"] = True
    session.save()
    old_key = session.session_key
    assert client.cookies[settings.SESSION_COOKIE_NAME].value == old_key

    _log_in(client, "township_1", PASSWORD)

    new_key = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert new_key != old_key
    assert _logged_in(client)
    assert not Session.objects.filter(session_key=old_key).exists()
    assert Session.objects.filter(session_key=new_key).exists()
