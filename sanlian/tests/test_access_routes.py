"""Every page route and API operation, read from the URL resolver and the ninja router, in a table.

`sanlian/tests/routes.py` lists the routes; `ROUTES` says how each one guards its door, and the
tests try every route with made-up arguments:

- nobody logged in: every page but the public ones sends to the login page, every API operation
  answers 401 with `{"detail"}`, and nothing is written;
- a county officer on ids that match no object: a route that FETCHES its object through an access
  helper answers 404 and leaves one audited `access.denied` ("not_found"); a route that LISTS
  answers any logged-in user (it shows their subtree only; its own test file checks what is listed).

A new route missing from `ROUTES` fails `test_it_has_every_route_in_its_table`, whose message
gives the line to add. What each persona may do on each unit of the org-unit routes, and the
denials of the other apps' routes persona by persona, are in `test_access_matrix.py` and in each
app's page and API tests.
"""

import pytest
from django.test import Client
from django.urls import reverse

from accounts.services import do_create_token
from audit.models import AuditEvent
from sanlian.tests.routes import Route, all_routes

PUBLIC = "public"  # answers anyone: the login page, logging out, the language switch
LISTS = "lists"  # no object in its address: answers any logged-in user, scoped to their subtree
FETCHES = "fetches"  # fetches the object(s) of its address through an access helper
INPUT_FIRST = "input first"  # API: validates its body or query (422) before it fetches anything
WORD = "word"  # an unknown word in its address (a kind, a format, a step) answers 404 first
OWN = "own"  # the requester's own object only; anything else answers 404 unaudited

EXPLAINED = {
    FETCHES: "FETCHES if it reads an object of its address through an access helper "
    "(get_unit_for_user, get_standard_for_user, …): an unknown id then answers 404, audited",
    LISTS: "LISTS if its address names no object and it shows only the user's subtree",
    INPUT_FIRST: "INPUT_FIRST for an API operation whose body or query is checked first (422)",
    WORD: "WORD if an unknown word in its address answers 404 before any object is read",
    PUBLIC: "PUBLIC only if anonymous callers may use it",
}

# fmt: off
ROUTES = {
    "page home": LISTS,
    "page login": PUBLIC,
    "page logout": PUBLIC,
    "page audit_log": LISTS,
    "page orgs:tree": LISTS,
    "page orgs:unit": FETCHES,
    "page orgs:create": FETCHES,
    "page orgs:edit": FETCHES,
    "page orgs:move": FETCHES,
    "page orgs:retire": FETCHES,
    "page orgs:reinstate": FETCHES,
    "page orgs:delete": FETCHES,
    "page registers:members_home": LISTS,
    "page registers:unit_register": FETCHES,
    "page registers:member_list": FETCHES,
    "page registers:member_create": FETCHES,
    "page registers:member_validate": FETCHES,
    "page registers:post_create": FETCHES,
    "page registers:member_detail": FETCHES,
    "page registers:member_edit": FETCHES,
    "page registers:member_status": FETCHES,
    "page registers:member_transfer": FETCHES,
    "page registers:member_reveal": FETCHES,
    "page registers:post_end": FETCHES,
    "page registers:records_home": LISTS,
    "page registers:training_list": FETCHES,
    "page registers:training_create": FETCHES,
    "page registers:training_detail": FETCHES,
    "page registers:training_edit": FETCHES,
    "page registers:training_delete": FETCHES,
    "page registers:activity_list": FETCHES,
    "page registers:activity_create": FETCHES,
    "page registers:activity_detail": FETCHES,
    "page registers:activity_edit": FETCHES,
    "page registers:activity_delete": FETCHES,
    "page registers:activity_evidence_upload": FETCHES,
    "page registers:evidence_download": FETCHES,
    "page registers:evidence_delete": FETCHES,
    "page registers:inclusion_checklist": FETCHES,
    "page registers:inclusion_evidence_upload": FETCHES,
    "page registers:inclusion_overview": FETCHES,
    "page registers:profile_page": FETCHES,
    "page registers:profile_evidence_upload": FETCHES,
    "page registers:import": LISTS,
    "page registers:import_job": FETCHES,
    "page registers:import_progress": FETCHES,
    "page registers:import_confirm": FETCHES,
    "page registers:import_template": WORD,
    "page registers:export": WORD,
    "page standards:list": LISTS,
    "page standards:detail": FETCHES,
    "page standards:export": WORD,
    "page standards:copy": FETCHES,
    "page standards:confirm": FETCHES,
    "page standards:edit": FETCHES,
    "page standards:section_add": FETCHES,
    "page standards:stage_add": FETCHES,
    "page standards:section_edit": FETCHES,
    "page standards:item_add": FETCHES,
    "page standards:item_edit": FETCHES,
    "page standards:stage_edit": FETCHES,
    "page standards:delete": WORD,
    "page standards:move": WORD,
    "page assessments:rounds": LISTS,
    "page assessments:waiting": LISTS,
    "page assessments:decide_many": LISTS,
    "page assessments:decide_many_done": LISTS,
    "page assessments:round_create": LISTS,
    "page assessments:round": FETCHES,
    "page assessments:apply": FETCHES,
    "page assessments:spot_checks": FETCHES,
    "page assessments:spot_check": FETCHES,
    "page assessments:inspect": FETCHES,
    "page assessments:revoke": FETCHES,
    "page assessments:sheet": FETCHES,
    "page assessments:evidence": FETCHES,
    "page assessments:delete_evidence": FETCHES,
    "page assessments:comment": FETCHES,
    "page assessments:act": WORD,
    "page campaigns:home": LISTS,
    "page campaigns:campaign_create": FETCHES,
    "page campaigns:campaign": FETCHES,
    "page campaigns:campaign_edit": FETCHES,
    "page campaigns:plans": FETCHES,
    "page campaigns:pilots_overview": FETCHES,
    "page campaigns:township": FETCHES,
    "page campaigns:township_targets": FETCHES,
    "page campaigns:survey": FETCHES,
    "page campaigns:survey_save": FETCHES,
    "page campaigns:survey_entry": FETCHES,
    "page campaigns:plan": FETCHES,
    "page campaigns:plan_check": FETCHES,
    "page campaigns:plan_levels": FETCHES,
    "page campaigns:plan_submit": FETCHES,
    "page campaigns:plan_version": FETCHES,
    "page campaigns:pilots": FETCHES,
    "page campaigns:pilot_remove": FETCHES,
    "page dashboards:home": LISTS,
    "page dashboards:unit": FETCHES,
    "page reports:home": LISTS,
    "page reports:assessment_sheet": FETCHES,
    "page reports:assessment_sheet_pdf": FETCHES,
    "page reports:approval_form": FETCHES,
    "page reports:approval_form_pdf": FETCHES,
    "page reports:progress": FETCHES,
    "page reports:progress_xlsx": FETCHES,
    "page reports:progress_pdf": FETCHES,
    "page reports:report_job": OWN,  # a report job is its requester's alone
    "page reports:report_job_download": OWN,
    "page reports:commendation_xlsx": FETCHES,
    "page reports:commendation_pdf": FETCHES,
    "page reports:certificates_pdf": FETCHES,
    "page reports:certificate_pdf": FETCHES,
    "page set_language": PUBLIC,
    "page healthz": PUBLIC,
    "page readyz": PUBLIC,
    "page assessments:rerating": FETCHES,
    "page assessments:group_villages": FETCHES,
    "page assessments:group_ratings": FETCHES,
    "page assessments:selection": FETCHES,
    "api GET /selections/rounds/{round_id}": FETCHES,
    "api GET /plan-levels/{campaign_id}/townships/{township_id}": FETCHES,
    "api PUT /plan-levels/{campaign_id}/townships/{township_id}": FETCHES,
    "api POST /selections/assessments/{assessment_id}/mark": INPUT_FIRST,
    "api POST /selections/rounds/{round_id}/confirm": INPUT_FIRST,
    "api PUT /selections/rounds/{round_id}/places": INPUT_FIRST,
    "page registers:import_help": WORD,
    "api GET /assessments/rounds/{round_id}/spot-checks": FETCHES,
    "api GET /assessments/{assessment_id}/evidence": FETCHES,
    "api GET /members/categories": LISTS,
    "api GET /records/carriers": LISTS,
    "api POST /assessments/rounds": INPUT_FIRST,
    "api POST /assessments/bulk-award": INPUT_FIRST,
    "api POST /imports": INPUT_FIRST,
    "api GET /imports/{job_id}": INPUT_FIRST,
    "api POST /imports/{job_id}/confirm": INPUT_FIRST,
    "api GET /reports/assessments/{assessment_id}/approval-form.pdf": FETCHES,
    "api GET /reports/assessments/{assessment_id}/sheet.pdf": FETCHES,
    "api GET /reports/rounds/{round_id}/{title}/commendation.pdf": INPUT_FIRST,
    "api GET /reports/rounds/{round_id}/{title}/commendation.xlsx": INPUT_FIRST,
    "api GET /reports/units/{unit_id}/progress.xlsx": FETCHES,
    "api GET /reports/units/{unit_id}/progress.pdf": FETCHES,
    "api POST /reports/progress": INPUT_FIRST,
    "api GET /reports/jobs/{job_id}": INPUT_FIRST,  # a uuid; a job is its requester's alone
    "api GET /reports/jobs/{job_id}/file": INPUT_FIRST,
    "api GET /reports/titles/{title_id}/certificate.pdf": FETCHES,
    "api POST /assessments/rounds/{round_id}/close": FETCHES,
    "api GET /assessments/rounds/{round_id}/groups/{village_id}": FETCHES,
    "api POST /assessments/rounds/{round_id}/groups/{village_id}/open": FETCHES,
    "api POST /assessments/rounds/{round_id}/groups/{village_id}/submit": FETCHES,
    "api PUT /assessments/rounds/{round_id}/groups/{village_id}/scores": INPUT_FIRST,
    "api POST /assessments/rounds/{round_id}/groups/{village_id}/decide": INPUT_FIRST,
    "api GET /units": LISTS,
    "api POST /units": INPUT_FIRST,
    "api GET /units/{unit_id}": FETCHES,
    "api PATCH /units/{unit_id}": FETCHES,
    "api DELETE /units/{unit_id}": FETCHES,
    "api GET /units/{unit_id}/children": FETCHES,
    "api POST /units/{unit_id}/move": INPUT_FIRST,
    "api POST /units/{unit_id}/retire": INPUT_FIRST,
    "api POST /units/{unit_id}/reinstate": FETCHES,
    "api GET /members/units/{unit_id}/members": FETCHES,
    "api POST /members/units/{unit_id}/members": INPUT_FIRST,
    "api GET /members/{member_id}": FETCHES,
    "api PATCH /members/{member_id}": INPUT_FIRST,
    "api POST /members/{member_id}/status": INPUT_FIRST,
    "api POST /members/{member_id}/transfer": INPUT_FIRST,
    "api POST /members/{member_id}/unmask": FETCHES,
    "api GET /members/units/{unit_id}/posts": FETCHES,
    "api POST /members/units/{unit_id}/posts": INPUT_FIRST,
    "api POST /members/posts/{post_id}/end": INPUT_FIRST,
    "api GET /records/trainings": INPUT_FIRST,
    "api POST /records/trainings": INPUT_FIRST,
    "api GET /records/trainings/{training_id}": FETCHES,
    "api GET /records/activities": INPUT_FIRST,
    "api POST /records/activities": INPUT_FIRST,
    "api GET /records/activities/{activity_id}": FETCHES,
    "api POST /records/activities/{activity_id}/evidence": INPUT_FIRST,
    "api GET /records/inclusion/{unit_id}/{year}": FETCHES,
    "api PUT /records/inclusion/{unit_id}/{year}": INPUT_FIRST,
    "api POST /records/inclusion/{unit_id}/{year}/{item}/evidence": INPUT_FIRST,
    "api GET /records/profiles/{unit_id}/{year}": FETCHES,
    "api PUT /records/profiles/{unit_id}/{year}": INPUT_FIRST,
    "api POST /records/profiles/{unit_id}/{year}/{slot}/evidence": INPUT_FIRST,
    "api GET /records/evidence/{evidence_id}": FETCHES,
    "api DELETE /records/evidence/{evidence_id}": FETCHES,
    "api GET /records/evidence/{evidence_id}/download": FETCHES,
    "api GET /assessments/rounds": LISTS,
    "api GET /assessments": LISTS,
    "api POST /assessments": INPUT_FIRST,
    "api GET /assessments/{assessment_id}": FETCHES,
    "api PUT /assessments/{assessment_id}/scores": INPUT_FIRST,
    "api POST /assessments/{assessment_id}/evidence": INPUT_FIRST,
    "api POST /assessments/{assessment_id}/submit": FETCHES,
    "api POST /assessments/{assessment_id}/return": INPUT_FIRST,  # noqa: E501
    "api POST /assessments/{assessment_id}/pass": FETCHES,
    "api POST /assessments/{assessment_id}/decide": INPUT_FIRST,
    "api POST /assessments/rounds/{round_id}/spot-checks": FETCHES,
    "api POST /assessments/spot-check-entries/{entry_id}/inspection": INPUT_FIRST,
    "api POST /assessments/titles/{title_id}/revoke": INPUT_FIRST,
    "api GET /assessments/units/{unit_id}/titles": FETCHES,
    "api GET /figures/units/{unit_id}": FETCHES,
    "api GET /figures/units/{unit_id}/children": FETCHES,
    "api GET /figures/units/{unit_id}/trend": FETCHES,
    "api GET /figures/units/{unit_id}/targets": FETCHES,
    "api GET /figures/units/{unit_id}/outlook": FETCHES,
    "api GET /campaigns": LISTS,
    "api GET /campaigns/{campaign_id}": FETCHES,
    "api GET /campaigns/{campaign_id}/targets": FETCHES,
    "api PUT /campaigns/{campaign_id}/townships/{township_id}/targets": FETCHES,
    "api GET /campaigns/{campaign_id}/townships/{township_id}": FETCHES,
    "api GET /campaigns/{campaign_id}/townships/{township_id}/survey": FETCHES,
    "api POST /campaigns/{campaign_id}/townships/{township_id}/survey/save": FETCHES,
    "api PUT /campaigns/{campaign_id}/townships/{township_id}/survey/{village_id}": INPUT_FIRST,
    "api GET /campaigns/{campaign_id}/townships/{township_id}/plan": FETCHES,
    "api PUT /campaigns/{campaign_id}/townships/{township_id}/plan": INPUT_FIRST,
    "api POST /campaigns/{campaign_id}/townships/{township_id}/plan/submit": FETCHES,
    "api GET /campaigns/{campaign_id}/townships/{township_id}/plan/versions/{number}": FETCHES,
    "api POST /campaigns/{campaign_id}/townships/{township_id}/plan/versions/{number}/approve": FETCHES,  # noqa: E501
    "api POST /campaigns/{campaign_id}/townships/{township_id}/plan/versions/{number}/return": INPUT_FIRST,  # noqa: E501
    "api GET /campaigns/{campaign_id}/townships/{township_id}/pilots": FETCHES,
    "api POST /campaigns/{campaign_id}/townships/{township_id}/pilots": INPUT_FIRST,
    "api DELETE /campaigns/pilots/{pilot_id}": FETCHES,
    "api GET /standards": LISTS,
    "api GET /standards/{standard_id}": FETCHES,
    "api GET /standards/{standard_id}/export": FETCHES,
    "api POST /standards/{standard_id}/copy": FETCHES,
    "api GET /audit/events": LISTS,
    "api GET /audit/head": LISTS,
}
# fmt: on


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _last_seq() -> int:
    return AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first() or 0


def _request(client: Client, route: Route, headers: dict):
    """GET a page (POST when it takes only POST); the API operation's own method, with `{}`."""
    url = route.sample_url()
    if route.is_api:
        method = route.methods[0].lower()
        if method == "get":
            return client.get(url, headers=headers)
        return getattr(client, method)(url, {}, content_type="application/json", headers=headers)
    response = client.get(url)
    return client.post(url, {}) if response.status_code == 405 else response


def table_problems(route_keys: set[str], table: dict[str, str]) -> str:
    """What to change in ROUTES so that it lists exactly these routes ("" when nothing)."""
    missing, gone = sorted(route_keys - set(table)), sorted(set(table) - route_keys)
    problems = []
    if missing:
        problems.append(
            "Routes missing from ROUTES in sanlian/tests/test_access_routes.py; add one line "
            "each,\n"
            + "\n".join(f'    "{key}": FETCHES,' for key in missing)
            + "\nand pick its guard: "
            + "; ".join(EXPLAINED.values())
        )
    if gone:
        problems.append("Routes gone; remove them from ROUTES: " + ", ".join(gone))
    return "\n".join(problems)


def test_it_has_every_route_in_its_table():
    problems = table_problems({route.key for route in all_routes()}, ROUTES)
    assert problems == "", problems


def test_it_names_the_line_to_add_for_a_route_missing_from_the_table():
    keys = set(ROUTES) | {"page planted:new", "api POST /planted/{planted_id}"}
    problems = table_problems(keys, ROUTES)
    assert '    "page planted:new": FETCHES,\n' in problems
    assert '    "api POST /planted/{planted_id}": FETCHES,\n' in problems


def test_it_names_a_listed_route_that_is_gone():
    table = {**ROUTES, "page planted:gone": FETCHES}
    problems = table_problems(set(ROUTES), table)
    assert problems == "Routes gone; remove them from ROUTES: page planted:gone"


def test_it_sends_an_anonymous_caller_to_log_in_on_every_route(db):
    client = Client()
    for route in all_routes():
        if ROUTES.get(route.key) == PUBLIC:
            continue
        seq = _last_seq()
        response = _request(client, route, {})
        if route.is_api:
            assert (response.status_code, set(response.json())) == (401, {"detail"}), route.key
        else:
            assert response.status_code == 302, route.key
            assert response["Location"].startswith(reverse("login")), route.key
        assert _last_seq() == seq, f"{route.key}: an anonymous request wrote something"


def test_it_answers_unknown_objects_as_each_route_is_listed(tree, county_officer):
    """A logged-in officer, every id unknown: the routes that fetch deny with an audited 404."""
    client = Client()
    _, token = do_create_token(None, county_officer, "routes")
    headers = {"Authorization": f"Bearer {token}"}
    expected = {FETCHES: 404, WORD: 404, OWN: 404, INPUT_FIRST: 422}
    observed, wanted = {}, {}
    for route in all_routes():
        guard = ROUTES.get(route.key)
        if guard in (None, PUBLIC):
            continue
        client.force_login(county_officer)  # a route may have logged the client out
        seq = _last_seq()
        status = _request(client, route, headers).status_code
        denials = list(
            AuditEvent.objects.filter(seq__gt=seq, action="access.denied").values_list(
                "after__reason", flat=True
            )
        )
        observed[route.key] = (status, denials)
        audited = ["not_found"] if guard == FETCHES else []
        wanted[route.key] = (expected.get(guard, status if status in (200, 302) else 200), audited)
    assert observed == wanted
