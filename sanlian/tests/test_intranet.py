"""A plain-HTTP government intranet: allowed only when asked for, and loudly; proxy headers without
the proxy setting are reported; dual-core browsers are told to use their Chromium engine."""

import json
import logging

from django.test import Client, override_settings

from sanlian.checks import check_plain_http
from sanlian.tests.test_settings import _production_env, _run

HTTP_PROBE = """
import json, django
django.setup()
from django.conf import settings
from django.test import Client, override_settings

storages = {**settings.STORAGES}
storages["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
with override_settings(STORAGES=storages):
    page = Client(HTTP_HOST="example.org").get("/login/")
cookie = page.cookies.get(settings.CSRF_COOKIE_NAME)
print(json.dumps({"status": page.status_code, "secure": bool(cookie and cookie["secure"]),
                  "hsts": settings.SECURE_HSTS_SECONDS, "session": settings.SESSION_COOKIE_SECURE}))
"""


def _probe(tmp_path, **overrides):
    completed = _run(["-c", HTTP_PROBE], _production_env(tmp_path, **overrides))
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout.strip().splitlines()[-1]), completed.stderr


def test_it_serves_the_login_page_over_plain_http_when_the_intranet_setting_allows_it(tmp_path):
    answer, stderr = _probe(tmp_path, SANLIAN_ALLOW_PLAIN_HTTP="true")
    assert answer == {"status": 200, "secure": False, "hsts": 0, "session": False}
    assert "SANLIAN_ALLOW_PLAIN_HTTP=true" in stderr  # the warning every process prints at start


def test_it_keeps_https_the_default_in_production(tmp_path):
    answer, stderr = _probe(tmp_path)
    assert answer["status"] == 301
    assert answer["session"] is True and answer["hsts"] > 0
    assert "SANLIAN_ALLOW_PLAIN_HTTP" not in stderr


def test_it_warns_in_check_while_plain_http_is_allowed():
    with override_settings(PRODUCTION=True, ALLOW_PLAIN_HTTP=True):
        warnings = check_plain_http(None)
    assert [w.id for w in warnings] == ["sanlian.W001"]
    with override_settings(PRODUCTION=True, ALLOW_PLAIN_HTTP=False):
        assert check_plain_http(None) == []


def test_it_warns_once_when_proxy_headers_arrive_without_the_proxy_setting(caplog, db):
    client = Client()
    with caplog.at_level(logging.WARNING, logger="sanlian.deploy"):
        client.get("/login/", HTTP_X_FORWARDED_FOR="10.1.1.1")
        client.get("/login/", HTTP_X_FORWARDED_FOR="10.1.1.2")
    warnings = [r for r in caplog.records if "SANLIAN_BEHIND_PROXY" in r.getMessage()]
    assert len(warnings) == 1
    assert "X-FORWARDED-FOR" in warnings[0].getMessage()


def test_it_stays_quiet_about_proxy_headers_behind_a_declared_proxy(caplog, db):
    with override_settings(BEHIND_PROXY=True), caplog.at_level(logging.WARNING):
        Client().get("/login/", HTTP_X_FORWARDED_FOR="10.1.1.1")
    assert not [r for r in caplog.records if "SANLIAN_BEHIND_PROXY" in r.getMessage()]


def test_it_asks_dual_core_browsers_for_their_chromium_engine(client, db):
    page = client.get("/login/").content.decode()
    assert '<meta name="renderer" content="webkit">' in page
    assert '<meta http-equiv="X-UA-Compatible" content="IE=edge">' in page
