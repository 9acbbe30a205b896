"""The audit log page (/audit/): scoped to the reader's subtrees, filtered, paged."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from audit.models import AuditEvent, Result
from audit.services import record_event
from audit.tests.actions import SampleAction

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


def _audit(client, **params):
    return client.get(reverse("audit_log"), params)


def _seqs(response) -> set[int]:
    return {event.seq for event, _unit in response.context["rows"]}


def test_it_shows_a_county_officer_the_events_of_their_county_only(login, county_officer, tree):
    ours = record_event(actor=None, action=SampleAction.UNIT, unit_id=tree.village_1.pk)
    theirs = record_event(actor=None, action=SampleAction.UNIT, unit_id=tree.village_b.pk)
    response = _audit(login(county_officer), action="test.")
    assert response.status_code == 200
    assert _seqs(response) == {ours.seq}
    assert theirs.seq not in _seqs(_audit(login(county_officer)))


def test_it_shows_a_county_officer_the_events_of_their_users(
    login, county_officer, township_officer, outsider
):
    mine = record_event(actor=township_officer, action=SampleAction.USER)
    foreign = record_event(actor=outsider, action=SampleAction.USER)
    seqs = _seqs(_audit(login(county_officer), action="test.user"))
    assert mine.seq in seqs
    assert foreign.seq not in seqs


def test_it_hides_the_name_of_a_unit_the_reader_cannot_see(
    login, county_officer, township_officer, tree
):
    event = record_event(
        actor=township_officer, action=SampleAction.ELSEWHERE, unit_id=tree.village_b.pk
    )
    response = _audit(login(county_officer), action="test.elsewhere")
    assert [(e.seq, unit) for e, unit in response.context["rows"]] == [(event.seq, None)]
    assert tree.village_b.name not in response.content.decode()


def test_it_shows_a_city_reviewer_both_counties(login, city_reviewer, tree):
    in_a = record_event(actor=None, action=SampleAction.UNIT, unit_id=tree.group_1.pk)
    in_b = record_event(actor=None, action=SampleAction.UNIT, unit_id=tree.group_b.pk)
    assert _seqs(_audit(login(city_reviewer), action="test.")) == {in_a.seq, in_b.seq}


def test_it_shows_an_administrator_everything(login, administrator, tree):
    system = record_event(actor=None, action=SampleAction.SYSTEM)
    in_b = record_event(actor=None, action=SampleAction.UNIT, unit_id=tree.village_b.pk)
    assert _seqs(_audit(login(administrator), action="test.")) == {system.seq, in_b.seq}


def test_it_filters_by_user(login, county_officer, township_officer, village_operator):
    by_township = record_event(actor=township_officer, action=SampleAction.USER)
    record_event(actor=village_operator, action=SampleAction.USER)
    response = _audit(login(county_officer), user="TOWNSHIP_1", action="test.user")
    assert _seqs(response) == {by_township.seq}


def test_it_filters_by_action_prefix(login, county_officer, tree):
    response = _audit(login(county_officer), action="orgs.unit.create")
    actions = {event.action for event, _unit in response.context["rows"]}
    assert actions == {"orgs.unit.create"}
    labels = {event.object_label for event, _unit in response.context["rows"]}
    assert {"长沙县", "李家村", "李家村进城小组"} <= labels
    assert "刘家村" not in labels


def test_it_filters_by_result(login, county_officer, tree):
    denied = record_event(
        actor=None, action=SampleAction.RESULT, unit_id=tree.village_1.pk, result=Result.DENIED
    )
    record_event(actor=None, action=SampleAction.RESULT, unit_id=tree.village_1.pk)
    response = _audit(login(county_officer), action="test.result", result="denied")
    assert _seqs(response) == {denied.seq}


def _event_at(monkeypatch, moment, unit):
    with monkeypatch.context() as patch:
        patch.setattr("audit.services.timezone.now", lambda: moment)
        return record_event(actor=None, action=SampleAction.DATED, unit_id=unit.pk)


def test_it_filters_by_local_date_range(monkeypatch, login, county_officer, tree):
    def at(*parts):
        return _event_at(monkeypatch, datetime(*parts, tzinfo=SHANGHAI), tree.village_1)

    at(2024, 3, 9, 23, 59)
    first_day = at(2024, 3, 10, 0, 1)
    last_day = at(2024, 3, 31, 23, 30)
    at(2024, 4, 1, 0, 10)
    response = _audit(
        login(county_officer), action="test.dated", date_from="2024-03-10", date_to="2024-03-31"
    )
    assert _seqs(response) == {first_day.seq, last_day.seq}


def test_it_explains_a_start_date_after_the_end_date(login, county_officer, tree):
    response = _audit(login(county_officer), date_from="2024-05-01", date_to="2024-04-01")
    assert response.status_code == 200
    assert "The start date is after the end date." in response.content.decode()
    assert response.context["rows"] == []


def test_it_filters_by_unit_subtree(login, county_officer, tree):
    in_township = record_event(actor=None, action=SampleAction.UNIT, unit_id=tree.group_1.pk)
    record_event(actor=None, action=SampleAction.UNIT, unit_id=tree.village_3.pk)
    response = _audit(login(county_officer), action="test.unit", unit=tree.township_1.pk)
    assert _seqs(response) == {in_township.seq}


def test_it_shows_nothing_for_a_unit_outside_the_readers_subtrees(login, county_officer, tree):
    record_event(actor=None, action=SampleAction.UNIT, unit_id=tree.village_b.pk)
    response = _audit(login(county_officer), unit=tree.county_b.pk)
    assert response.status_code == 200
    assert response.context["rows"] == []


@pytest.mark.parametrize("persona", ["township_officer", "village_operator", "leader"])
def test_it_forbids_readers_without_an_audit_role_and_records_it(request, login, persona):
    user = request.getfixturevalue(persona)
    response = _audit(login(user))
    assert response.status_code == 403
    denial = AuditEvent.objects.filter(action="access.denied", actor=user).get()
    assert denial.result == Result.DENIED
    assert denial.object_type == "audit.auditevent"
    assert denial.after["requested"] == "view_audit"
    assert denial.after["path"] == reverse("audit_log")


def test_it_sends_an_anonymous_visitor_to_the_login_page(client, tree):
    response = _audit(client)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_it_pages_fifty_events_at_a_time(login, county_officer, tree):
    for number in range(60):
        record_event(
            actor=None, action=SampleAction.BULK, object_id=number, unit_id=tree.village_2.pk
        )
    client = login(county_officer)
    first = _audit(client, action="test.bulk")
    assert len(first.context["rows"]) == 50
    assert first.context["page"].paginator.count == 60
    assert "action=test.bulk&amp;page=2" in first.content.decode()
    second = _audit(client, action="test.bulk", page=2)
    assert len(second.context["rows"]) == 10
    assert _seqs(first).isdisjoint(_seqs(second))
    assert max(_seqs(second)) < min(_seqs(first))
