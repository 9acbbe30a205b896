"""A busy database answers "系统繁忙，请稍后重试" (a page, or JSON on the API) instead of a 500 or a
hang: a request that lost a deadlock is retried once; one that waited past the lock timeout is
not (sanlian/busy.py)."""

import json
import threading

import pytest
from django.db import OperationalError, connection, transaction
from django.urls import reverse

from audit.services import lock_head
from registers import services
from registers.models import Member

MEMBERS_API = "/api/v1/members/units/{unit}/members"


class _Cause(Exception):
    def __init__(self, sqlstate):
        super().__init__(sqlstate)
        self.sqlstate = sqlstate


def _database_error(sqlstate: str) -> OperationalError:
    error = OperationalError(f"forced {sqlstate}")
    error.__cause__ = _Cause(sqlstate)
    return error


def _failing(monkeypatch, sqlstate: str, times: int):
    """Make the next `times` member creations fail with the given SQLSTATE."""
    real, calls = services.do_create_member, []

    def create(*args, **kwargs):
        calls.append(1)
        if len(calls) <= times:
            raise _database_error(sqlstate)
        return real(*args, **kwargs)

    monkeypatch.setattr(services, "do_create_member", create)
    return calls


def _post_member(client, tree, name="孙丽"):
    return client.post(reverse("registers:member_create", args=[tree.village_1.pk]), {"name": name})


def _post_json(client, tree):
    return client.post(
        MEMBERS_API.format(unit=tree.village_1.pk),
        json.dumps({"name": "孙丽"}),
        content_type="application/json",
    )


def test_it_retries_once_a_form_that_lost_a_deadlock(login, village_operator, tree, monkeypatch):
    calls = _failing(monkeypatch, "40P01", times=1)

    response = _post_member(login(village_operator), tree)

    assert response.status_code == 302
    assert response["X-Sanlian-Retried"] == "40P01"
    assert len(calls) == 2
    assert Member.objects.filter(name="孙丽").count() == 1


def test_it_answers_the_busy_page_in_chinese_after_a_second_deadlock(
    login, village_operator, tree, monkeypatch
):
    calls = _failing(monkeypatch, "40P01", times=2)
    response = _post_member(login(village_operator), tree)

    assert response.status_code == 503
    assert "系统繁忙，请稍后重试" in response.content.decode()
    assert response["Retry-After"] == "5"
    assert len(calls) == 2
    assert not Member.objects.filter(name="孙丽").exists()


def test_it_does_not_retry_a_lock_timeout(login, village_operator, tree, monkeypatch):
    calls = _failing(monkeypatch, "55P03", times=1)

    response = _post_member(login(village_operator), tree)

    assert response.status_code == 503
    assert response["X-Sanlian-Busy"] == "55P03"
    assert len(calls) == 1


def test_it_answers_the_api_in_json_with_a_503(as_user, village_operator, tree, monkeypatch):
    _failing(monkeypatch, "40001", times=2)
    client = as_user(village_operator, language="zh-hans")

    response = _post_json(client, tree)

    assert response.status_code == 503
    assert response.json() == {"detail": "系统繁忙，请稍后重试"}


def test_it_retries_an_api_create_once_with_its_body(as_user, village_operator, tree, monkeypatch):
    _failing(monkeypatch, "40P01", times=1)

    response = _post_json(as_user(village_operator), tree)

    assert response.status_code == 201, response.content
    assert Member.objects.filter(name="孙丽").count() == 1


def test_it_lets_other_database_errors_through(login, village_operator, tree, monkeypatch):
    def broken(*args, **kwargs):
        raise OperationalError("disk I/O error")

    monkeypatch.setattr(services, "do_create_member", broken)
    with pytest.raises(OperationalError, match="disk"):
        _post_member(login(village_operator), tree)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="lock_timeout is PostgreSQL's")
@pytest.mark.django_db(transaction=True)
def test_it_stops_waiting_for_a_held_lock_at_the_timeout(login, village_operator, tree, settings):
    settings.SANLIAN_LOCK_TIMEOUT_SECONDS = 1
    client = login(village_operator)
    client.get("/healthz")  # the middleware is built: new web connections get the timeout
    connection.close()  # the request connects anew, as each web process does
    holding, done = threading.Event(), threading.Event()

    def hold_the_audit_head():
        with transaction.atomic():
            lock_head()
            holding.set()
            done.wait(60)
        connection.close()

    holder = threading.Thread(target=hold_the_audit_head)
    holder.start()
    holding.wait(60)
    try:
        response = _post_member(client, tree)
    finally:
        done.set()
        holder.join(60)

    assert response.status_code == 503
    assert response["X-Sanlian-Busy"] == "55P03"
    assert not Member.objects.filter(name="孙丽").exists()
