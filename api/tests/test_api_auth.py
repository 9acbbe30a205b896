"""Who may call the API: an API token (two headers) or the pages' session with its CSRF token."""

import json

import pytest
from django.test import Client

from accounts.models import ApiToken
from accounts.services import do_create_token, do_revoke_token
from audit.models import AuditEvent, Result
from orgs.models import OrgUnit

UNITS = "/api/v1/units/"


@pytest.fixture
def token(township_officer):
    """A working token of the township officer: (ApiToken, raw key)."""
    return do_create_token(None, township_officer, "script")


def _retire(client, unit, **headers):
    return client.post(
        f"{UNITS}{unit.pk}/retire",
        json.dumps({"reason": "并村"}),
        content_type="application/json",
        headers=headers,
    )


def test_it_accepts_a_bearer_token(token, tree):
    _, raw = token
    response = Client().get(UNITS, headers={"Authorization": f"Bearer {raw}"})
    assert response.status_code == 200
    assert [item["id"] for item in response.json()["items"]] == [tree.township_1.pk]


def test_it_accepts_the_token_in_the_x_api_token_header(token, tree):
    _, raw = token
    response = Client().get(f"{UNITS}{tree.village_1.pk}", headers={"X-API-Token": raw})
    assert response.status_code == 200


def test_it_writes_with_a_token_without_csrf_and_as_the_tokens_user(token, township_officer, tree):
    _, raw = token
    client = Client(enforce_csrf_checks=True)
    response = _retire(client, tree.village_2, Authorization=f"Bearer {raw}")
    assert response.status_code == 200
    event = AuditEvent.objects.get(action="orgs.unit.retire", object_id=str(tree.village_2.pk))
    assert event.actor_id == township_officer.pk


def test_it_notes_when_a_token_was_last_used(token):
    api_token, raw = token
    assert api_token.last_used_at is None
    Client().get(UNITS, headers={"Authorization": f"Bearer {raw}"})
    api_token.refresh_from_db()
    assert api_token.last_used_at is not None


def test_it_refuses_a_revoked_token(token, tree):
    api_token, raw = token
    do_revoke_token(None, api_token)
    for headers in ({"Authorization": f"Bearer {raw}"}, {"X-API-Token": raw}):
        response = Client().get(UNITS, headers=headers)
        assert response.status_code == 401
        assert set(response.json()) == {"detail"}


def test_it_refuses_a_revoked_token_even_beside_a_logged_in_session(token, township_officer, tree):
    """A token that does not work is refused, whatever else came with the request."""
    api_token, raw = token
    do_revoke_token(None, api_token)
    client = Client()
    client.force_login(township_officer)
    response = client.get(UNITS, headers={"Authorization": f"Bearer {raw}"})
    assert response.status_code == 401


def test_it_refuses_the_token_of_an_inactive_user(token, township_officer):
    _, raw = token
    township_officer.is_active = False
    township_officer.save(update_fields=["is_active"])
    response = Client().get(UNITS, headers={"Authorization": f"Bearer {raw}"})
    assert response.status_code == 401


def test_it_records_a_refused_token_without_keeping_it(db):
    raw = ApiToken.new_raw_key()
    response = Client(REMOTE_ADDR="10.1.2.3").get(UNITS, headers={"X-API-Token": raw})
    assert response.status_code == 401
    event = AuditEvent.objects.get(action="accounts.token_refused")
    assert (event.result, event.ip_address, event.object_label) == (
        Result.FAILED,
        "10.1.2.3",
        raw[:10],
    )
    assert raw not in json.dumps([event.object_label, event.before, event.after])


def test_it_answers_401_to_a_caller_without_credentials(tree):
    client = Client(enforce_csrf_checks=True)
    assert client.get(UNITS).status_code == 401
    response = _retire(client, tree.village_2)
    assert response.status_code == 401  # not a CSRF 403: nobody is logged in
    assert response.json() == {"detail": "请先登录或提供 API 令牌。"}  # zh-Hans by default
    assert OrgUnit.objects.get(pk=tree.village_2.pk).is_active


def test_it_answers_401_to_another_authorization_scheme(token):
    _, raw = token
    response = Client().get(UNITS, headers={"Authorization": f"Token {raw}"})
    assert response.status_code == 401


def test_it_lets_a_session_read_without_a_csrf_token(township_officer, tree):
    client = Client(enforce_csrf_checks=True)
    client.force_login(township_officer)
    assert client.get(f"{UNITS}{tree.village_1.pk}").status_code == 200


def test_it_requires_the_csrf_token_for_a_session_write(township_officer, tree):
    client = Client(enforce_csrf_checks=True)
    client.force_login(township_officer)
    refused = _retire(client, tree.village_2)
    assert refused.status_code == 403
    assert set(refused.json()) == {"detail"}
    assert OrgUnit.objects.get(pk=tree.village_2.pk).is_active

    client.get("/")  # any page sets the CSRF cookie, as a browser would have it
    csrf = client.cookies["csrftoken"].value
    accepted = _retire(client, tree.village_2, **{"X-CSRFToken": csrf})
    assert accepted.status_code == 200
    assert not OrgUnit.objects.get(pk=tree.village_2.pk).is_active
