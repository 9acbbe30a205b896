"""Every org-unit page and API endpoint × every persona × a unit of their own, one below it, one
outside. Every route of the site is listed, with how it guards its door, in test_access_routes.py.

The rule (accounts.access): a unit outside the persona's subtrees answers 404; a visible unit whose
action the persona's role does not allow answers 403; everything else answers as the endpoint does
for a permitted user. Every denial leaves one `access.denied` audit event with result "denied",
and a denied request changes nothing.

Each test is one row: one persona, every endpoint of the pages or of the API, on the three units
(own, below, outside). Each attempt runs inside a savepoint that is rolled back, so every attempt
starts from the base tree, which is built once a row (building it costs more than the requests).
"""

from dataclasses import dataclass
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse

from accounts import access
from accounts.services import do_create_token
from audit.models import AuditEvent, Result
from orgs.models import CATEGORIES_BY_LEVEL, DIVISION_CODE_LENGTHS, Level, OrgUnit
from orgs.services import unit_snapshot
from orgs.validation import child_level_for

SCOPES = ("own", "below", "outside")

# persona fixture: (the unit its role sits on, a unit below it, a unit outside its subtrees)
UNITS = {
    "county_officer": ("county_a", "township_1", "township_b"),  # the other county
    "township_officer": ("township_1", "village_1", "village_3"),  # the other township
    "other_township_officer": ("township_2", "village_3", "village_1"),
    "village_operator": ("village_1", "group_1", "township_1"),  # the township above it
    "outsider": ("county_b", "township_b", "township_1"),
    "city_reviewer": ("city", "county_a", "province"),  # the province above it
    "leader": ("county_a", "township_1", "township_b"),
}

# What each persona may do there: V view, A add a unit below, C change (edit, move, retire,
# reinstate, delete). A unit's own record is kept by the level above, so nobody changes the unit
# their role sits on; leaders and city reviewers only read.
# fmt: off
RIGHTS = {
    #                           own    below  outside
    "county_officer":         ("VA",  "VAC", ""),
    "township_officer":       ("VA",  "VAC", ""),
    "other_township_officer": ("VA",  "VAC", ""),
    "village_operator":       ("VA",  "VAC", ""),
    "outsider":               ("VA",  "VAC", ""),
    "city_reviewer":          ("V",   "V",   ""),
    "leader":                 ("V",   "V",   ""),
}
# fmt: on
AUDIT_READERS = {"county_officer", "outsider", "city_reviewer"}

NEW_NAME = "矩阵新单位"


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # The personas' argon2 hashes would cost more than the requests; this file tests access.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _child_payload(parent: OrgUnit) -> dict[str, Any]:
    """A valid new unit under `parent` (an association group has no subordinate units)."""
    level = child_level_for(parent)
    payload: dict[str, Any] = {"parent_id": parent.pk, "name": NEW_NAME}
    if level not in (None, Level.GROUP):
        digits = DIVISION_CODE_LENGTHS[level]
        payload["category"] = CATEGORIES_BY_LEVEL[level][0].value
        payload["division_code"] = (parent.division_code or "")[: digits - 3] + "999"
    return payload


def _api(path: str = "") -> str:
    return "/api/v1/units/" + path


def _json(client, method, path, data, headers):
    return getattr(client, method)(path, data, content_type="application/json", headers=headers)


@dataclass(frozen=True)
class Endpoint:
    name: str
    right: str  # the letter of RIGHTS it needs
    api: bool
    call: Any  # (client, unit, headers) -> response

    def permitted_status(self, unit: OrgUnit) -> int:
        """What a permitted user gets (the data itself refuses some actions)."""
        if self.name in ("page:create", "api:create") and unit.level == Level.GROUP:
            return 302 if self.name == "page:create" else 422  # a group has no units below
        if self.name == "api:delete" and OrgUnit.objects.filter(parent=unit).exists():
            return 422  # retire it instead
        # An empty form comes back with its errors (200); reinstating and deleting redirect.
        redirects = {"page:reinstate", "page:delete POST"}
        return {"api:create": 201, "api:delete": 204}.get(
            self.name, 302 if self.name in redirects else 200
        )


ENDPOINTS = [
    Endpoint("page:detail", "V", False, lambda c, u, h: c.get(reverse("orgs:unit", args=[u.pk]))),
    Endpoint("page:create", "A", False, lambda c, u, h: c.get(reverse("orgs:create", args=[u.pk]))),
    Endpoint("page:edit", "C", False, lambda c, u, h: c.get(reverse("orgs:edit", args=[u.pk]))),
    Endpoint("page:move", "C", False, lambda c, u, h: c.get(reverse("orgs:move", args=[u.pk]))),
    Endpoint("page:retire", "C", False, lambda c, u, h: c.get(reverse("orgs:retire", args=[u.pk]))),
    Endpoint(
        "page:reinstate", "C", False, lambda c, u, h: c.post(reverse("orgs:reinstate", args=[u.pk]))
    ),
    Endpoint("page:delete", "C", False, lambda c, u, h: c.get(reverse("orgs:delete", args=[u.pk]))),
    # The forms posted empty: a denial must come before any form handling.
    *[
        Endpoint(
            f"page:{name} POST",
            "C",
            False,
            lambda c, u, h, name=name: c.post(reverse(f"orgs:{name}", args=[u.pk]), {}),
        )
        for name in ("edit", "move", "retire", "delete")
    ],
    Endpoint("api:get", "V", True, lambda c, u, h: c.get(_api(f"{u.pk}"), headers=h)),
    Endpoint("api:children", "V", True, lambda c, u, h: c.get(_api(f"{u.pk}/children"), headers=h)),
    Endpoint(
        "api:create", "A", True, lambda c, u, h: _json(c, "post", _api(), _child_payload(u), h)
    ),
    Endpoint(
        "api:update",
        "C",
        True,
        lambda c, u, h: _json(c, "patch", _api(f"{u.pk}"), {"population": 99999}, h),
    ),
    # To its own parent, which the persona may add to wherever it may change the unit.
    Endpoint(
        "api:move",
        "C",
        True,
        lambda c, u, h: _json(
            c, "post", _api(f"{u.pk}/move"), {"parent_id": u.parent_id or u.pk}, h
        ),
    ),
    Endpoint(
        "api:retire",
        "C",
        True,
        lambda c, u, h: _json(c, "post", _api(f"{u.pk}/retire"), {"reason": "合并"}, h),
    ),
    Endpoint(
        "api:reinstate", "C", True, lambda c, u, h: c.post(_api(f"{u.pk}/reinstate"), headers=h)
    ),
    Endpoint("api:delete", "C", True, lambda c, u, h: c.delete(_api(f"{u.pk}"), headers=h)),
]


def expected_status(endpoint: Endpoint, persona: str, scope: str, unit: OrgUnit) -> int:
    rights = RIGHTS[persona][SCOPES.index(scope)]
    if "V" not in rights:
        return 404
    if endpoint.right not in rights:
        return 403
    return endpoint.permitted_status(unit)


def _last_seq() -> int:
    return AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first() or 0


@dataclass
class Outcome:
    status: int
    body: Any
    location: str
    denials: list
    unchanged: bool


def _attempt(endpoint: Endpoint, client: Client, unit: OrgUnit, headers: dict) -> Outcome:
    """One request inside a savepoint that is rolled back afterwards."""
    with transaction.atomic():
        before, seq = unit_snapshot(unit), _last_seq()
        response = endpoint.call(client, unit, headers)
        after = OrgUnit.objects.filter(pk=unit.pk).first()
        outcome = Outcome(
            status=response.status_code,
            body=response.json() if endpoint.api and response.content else None,
            location=response.get("Location", ""),
            denials=list(AuditEvent.objects.filter(seq__gt=seq, action="access.denied")),
            unchanged=(
                after is not None
                and unit_snapshot(after) == before
                and not OrgUnit.objects.filter(name=NEW_NAME).exists()
            ),
        )
        transaction.set_rollback(True)
    return outcome


def _log_in(client: Client, user, api: bool) -> dict:
    """Session for the pages, an API token for the API; the headers to send."""
    if not api:
        client.force_login(user)
        return {}
    _, raw = do_create_token(None, user, "matrix")
    return {"Authorization": f"Bearer {raw}"}


def _check_denial(outcome: Outcome, cell: str, user, unit: OrgUnit, status: int) -> None:
    [event] = outcome.denials
    assert (event.action, event.result, event.actor_id) == (
        "access.denied",
        Result.DENIED,
        user.pk,
    ), cell
    assert event.after["reason"] == ("forbidden" if status == 403 else "not_found"), cell
    assert event.unit_id == (unit.pk if status == 403 else None), cell
    assert outcome.unchanged, f"{cell}: a denied request changed something"


@pytest.mark.parametrize("surface", ["pages", "api"])
@pytest.mark.parametrize("persona", RIGHTS)
def test_it_answers_each_persona_as_the_access_rules_say(request, tree, persona, surface):
    """One row of the matrix: every endpoint of the surface × own, below and outside units."""
    user = request.getfixturevalue(persona)
    client = Client()
    headers = _log_in(client, user, api=surface == "api")
    observed, expected = {}, {}
    for endpoint in [e for e in ENDPOINTS if e.api == (surface == "api")]:
        for scope, unit_name in zip(SCOPES, UNITS[persona], strict=True):
            cell, unit = f"{endpoint.name} {scope}", getattr(tree, unit_name)
            expected[cell] = expected_status(endpoint, persona, scope, unit)
            outcome = _attempt(endpoint, client, unit, headers)
            observed[cell] = outcome.status
            if outcome.status != expected[cell]:
                continue  # reported below, with the whole row
            if outcome.status in (403, 404):
                _check_denial(outcome, cell, user, unit, outcome.status)
                if endpoint.api:
                    assert set(outcome.body) == {"detail"}, cell
            else:
                assert outcome.denials == [], cell
    assert observed == expected


# Lists and search: an outside unit is never listed; the page itself answers.


@pytest.fixture
def logged_in(request, tree):
    def _logged_in(persona: str, api: bool = False):
        user = request.getfixturevalue(persona)
        client = Client()
        return client, _log_in(client, user, api), user

    return _logged_in


def _own_and_outside(tree, persona: str) -> dict[str, OrgUnit]:
    own, _below, outside = UNITS[persona]
    return {"own": getattr(tree, own), "outside": getattr(tree, outside)}


@pytest.mark.parametrize("persona", RIGHTS)
def test_it_finds_in_the_tree_search_only_units_of_the_subtree(logged_in, tree, persona):
    client, _, _ = logged_in(persona)
    found = {}
    for scope, unit in _own_and_outside(tree, persona).items():
        response = client.get(reverse("orgs:tree"), {"q": unit.name})
        assert response.status_code == 200
        found[scope] = unit.pk in {u.pk for u in response.context["page"]}
    assert found == {"own": True, "outside": False}


@pytest.mark.parametrize("persona", RIGHTS)
def test_it_finds_through_the_api_only_units_of_the_subtree(logged_in, tree, persona):
    client, headers, _ = logged_in(persona, api=True)
    found = {}
    for scope, unit in _own_and_outside(tree, persona).items():
        response = client.get(_api(), {"q": unit.name}, headers=headers)
        assert response.status_code == 200
        found[scope] = unit.pk in {item["id"] for item in response.json()["items"]}
    assert found == {"own": True, "outside": False}


@pytest.mark.parametrize("persona", RIGHTS)
def test_it_shows_at_home_only_the_personas_own_units(logged_in, tree, persona):
    client, _, _ = logged_in(persona)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    shown = {summary[0].pk for summary in response.context["summaries"]}
    units = _own_and_outside(tree, persona)
    assert units["own"].pk in shown
    assert units["outside"].pk not in shown


@pytest.mark.parametrize("persona", RIGHTS)
def test_it_opens_the_audit_log_to_readers_only_and_for_their_units(logged_in, tree, persona):
    """Readers see the events of their own unit and none of an outside one; others get 403."""
    client, _, user = logged_in(persona)
    listed, units = {}, _own_and_outside(tree, persona)
    for scope, unit in units.items():
        seq = _last_seq()
        response = client.get(reverse("audit_log"), {"unit": unit.pk})
        if persona not in AUDIT_READERS:
            assert response.status_code == 403
            [event] = AuditEvent.objects.filter(seq__gt=seq, action="access.denied")
            assert (event.result, event.actor_id) == (Result.DENIED, user.pk)
            continue
        assert response.status_code == 200
        listed[scope] = {event.unit_id for event, _unit in response.context["rows"]}
    if persona in AUDIT_READERS:
        assert units["own"].pk in listed["own"]
        assert listed["outside"] == set()


# Nobody logged in: the pages send to the login page, the API answers 401.


def test_it_asks_an_anonymous_caller_to_log_in(client, tree):
    for endpoint in ENDPOINTS:
        outcome = _attempt(endpoint, client, tree.village_1, {})
        if endpoint.api:
            assert (outcome.status, set(outcome.body)) == (401, {"detail"}), endpoint.name
        else:
            assert outcome.status == 302, endpoint.name
            assert outcome.location.startswith(reverse("login")), endpoint.name
        assert outcome.unchanged, endpoint.name


def test_it_denies_with_403_when_an_access_check_raises(tree, county_officer, monkeypatch):
    """A permission check that raises denies, never allows; the denial is recorded."""

    def broken_check(role, action, unit):
        raise RuntimeError("the check itself failed")

    monkeypatch.setattr(access, "_role_allows", broken_check)
    client = Client()
    headers = _log_in(client, county_officer, api=True)
    client.force_login(county_officer)
    page = client.get(reverse("orgs:edit", args=[tree.village_1.pk]))
    api = _json(client, "patch", _api(f"{tree.village_1.pk}"), {"population": 1}, headers)
    assert (page.status_code, api.status_code) == (403, 403)
    events = AuditEvent.objects.filter(action="access.denied").order_by("seq")
    assert [(e.after["reason"], e.unit_id) for e in events] == [
        ("check_failed", tree.village_1.pk)
    ] * 2
    assert OrgUnit.objects.get(pk=tree.village_1.pk).population == 2400
