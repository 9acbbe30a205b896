"""授予所选: the deciding level awards several assessments from the waiting list at once, behind a
confirmation page; each is decided on its own, and a refused one leaves the others awarded."""

from itertools import count
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from accounts.models import RoleKind
from accounts.services import do_create_user, do_grant_role
from assessments.models import AssessmentState, AwardedTitle
from assessments.services import (
    BULK_DECISION_LIMIT,
    do_create_round,
    do_decide_many,
    do_save_scores,
)
from assessments.tests.helpers import (
    chain_to_last_stage,
    entries,
    score_all,
    self_assess_and_submit,
)
from audit.models import AuditEvent
from conftest import PASSWORD
from standards.models import TitleKind

pytestmark = pytest.mark.django_db

URL = reverse("assessments:decide_many")


_names = count()


def _operator(unit, kind=RoleKind.VILLAGE_OPERATOR):
    user = do_create_user(None, username=f"{kind}-{next(_names)}", password=PASSWORD)
    do_grant_role(None, user, unit, kind)
    return user


@pytest.fixture
def at_county(tree, round_2026, township_officer, other_township_officer):
    """Qualified-village applications of village_1, village_2 and village_3, each accepted by its
    township and waiting for the county's decision."""
    return [
        chain_to_last_stage(
            round_2026, unit, SimpleNamespace(village=_operator(unit), township=township)
        )
        for unit, township in [
            (tree.village_1, township_officer),
            (tree.village_2, township_officer),
            (tree.village_3, other_township_officer),
        ]
    ]


def _confirm(client, assessments):
    return client.get(URL, {"a": [a.pk for a in assessments]})


def _award(client, selection, note=""):
    """POST what the confirmation page read: (assessment, version) pairs."""
    data = {"a": [f"{a.pk}:{v}" for a, v in selection], "reason": note}
    return client.post(URL, data, follow=True)


def test_it_awards_several_at_once_with_their_titles_and_audit_events(
    login, county_officer, at_county
):
    client = login(county_officer)
    selection = _confirm(client, at_county).context["selection"]
    response = _award(client, selection, note="县协会集体研究")
    assert response.status_code == 200
    assert {a.pk for a in response.context["result"].awarded} == {a.pk for a in at_county}
    titles = AwardedTitle.objects.filter(assessment__in=at_county, awarded_by=county_officer)
    assert titles.count() == 3
    for assessment in at_county:
        assessment.refresh_from_db()
        assert assessment.state == AssessmentState.AWARDED
        assert assessment.transitions.latest("id").reason == "县协会集体研究"
    events = AuditEvent.objects.filter(actor=county_officer)
    assert events.filter(action="assessment.award").count() == 3
    assert events.filter(action="title.award").count() == 3


def test_it_refuses_a_stale_or_failing_one_with_its_reason_and_awards_the_others(
    login, county_officer, at_county
):
    fine, stale, failing = at_county
    score_all(county_officer, failing, {"3": 0})  # 50 of 80 at the county's stage
    client = login(county_officer)
    selection = _confirm(client, at_county).context["selection"]
    colleague = _operator(county_officer.roles.get().unit, RoleKind.COUNTY_OFFICER)
    stale.refresh_from_db()
    do_save_scores(colleague, stale, entries(stale, {"1": 20}))  # after the page was read
    response = _award(client, selection)
    result = response.context["result"]
    assert [a.pk for a in result.awarded] == [fine.pk]
    reasons = {r.assessment.pk: r.message for r in result.refused}
    assert "他人已修改了该评估" in reasons[stale.pk]
    assert "该评估未达到标准" in reasons[failing.pk]
    page = response.content.decode()
    assert reasons[stale.pk] in page and stale.unit.name in page
    assert not AwardedTitle.objects.filter(assessment__in=[stale, failing]).exists()


def test_it_forbids_a_township_officer_and_records_the_denial(login, township_officer, at_county):
    client = login(township_officer)
    assert _confirm(client, at_county[:1]).status_code == 403
    response = _award(client, [(at_county[0], at_county[0].version)])
    assert response.status_code == 403
    denial = AuditEvent.objects.filter(action="access.denied").latest("seq")
    assert denial.actor_id == township_officer.pk
    assert denial.after["reason"] == "forbidden"
    assert not AwardedTitle.objects.filter(assessment=at_county[0]).exists()


def test_it_does_not_decide_ids_from_another_county(
    login, tree, outsider, qualified_standard, at_county
):
    round_b, _warnings = do_create_round(
        outsider,
        tree.county_b,
        year=2026,
        name="宁乡县2026年度评估",
        standards={TitleKind.QUALIFIED_VILLAGE: qualified_standard},
    )
    personas = SimpleNamespace(
        village=_operator(tree.village_b),
        township=_operator(tree.township_b, RoleKind.TOWNSHIP_OFFICER),
    )
    theirs = chain_to_last_stage(round_b, tree.village_b, personas)
    ours = at_county[0]
    response = _award(login(outsider), [(theirs, theirs.version), (ours, ours.version)])
    assert [a.pk for a in response.context["result"].awarded] == [theirs.pk]
    assert response.context["left_out"] == 1
    ours.refresh_from_db()
    assert ours.state == AssessmentState.OPEN
    denial = AuditEvent.objects.filter(action="access.denied").latest("seq")
    assert (denial.object_id, denial.after["reason"]) == (str(ours.pk), "not_found")


def test_it_confirms_the_selection_before_awarding_and_needs_a_post_with_csrf(
    county_officer, at_county
):
    client = Client(enforce_csrf_checks=True)
    client.force_login(county_officer)
    page = _confirm(client, at_county)
    content = page.content.decode()
    assert page.status_code == 200
    assert all(a.unit.name in content for a in at_county)
    assert 'id="decide-many-form"' in content and 'name="csrfmiddlewaretoken"' in content
    assert 'name="reason"' in content
    response = _award(client, page.context["selection"])
    assert response.status_code == 403
    assert not AwardedTitle.objects.filter(assessment__in=at_county).exists()


def test_it_caps_the_number_decided_in_one_request(login, county_officer, at_county):
    ids = [a.pk for a in at_county] + list(range(10**6, 10**6 + BULK_DECISION_LIMIT))
    response = login(county_officer).get(URL, {"a": ids}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("assessments:waiting")
    assert f"最多只能同时审定 {BULK_DECISION_LIMIT} 个" in response.content.decode()
    with pytest.raises(ValidationError):
        do_decide_many(county_officer, [(at_county[0], None)] * (BULK_DECISION_LIMIT + 1))
    assert not AwardedTitle.objects.filter(assessment__in=at_county).exists()


def test_it_offers_checkboxes_only_to_the_level_that_decides(
    login, county_officer, township_officer, at_county, tree, round_2026
):
    personas = SimpleNamespace(village=_operator(tree.village_2), township=township_officer)
    passing = self_assess_and_submit(
        personas, round_2026, tree.village_2, TitleKind.FIRST_CLASS_VILLAGE
    )
    county_page = login(county_officer).get(reverse("assessments:waiting"))
    assert county_page.context["decidable"] == {a.pk for a in at_county}
    assert 'id="award-selected"' in county_page.content.decode()
    township_page = login(township_officer).get(reverse("assessments:waiting"))
    assert [r.assessment.pk for r in township_page.context["page"]] == [passing.pk]
    assert not township_page.context["decidable"]
    assert 'id="award-selected"' not in township_page.content.decode()


def test_the_result_is_shown_after_a_redirect_and_again_on_reload_without_deciding_again(
    login, county_officer, at_county
):
    client = login(county_officer)
    selection = _confirm(client, at_county).context["selection"]
    response = _award(client, selection)
    assert response.redirect_chain == [(reverse("assessments:decide_many_done"), 302)]
    assert "已授予 3 个称号。" in response.content.decode()  # the message, once
    reloaded = client.get(reverse("assessments:decide_many_done"))
    assert {a.pk for a in reloaded.context["result"].awarded} == {a.pk for a in at_county}
    assert "已授予 3 个称号。" not in reloaded.content.decode()
    assert AwardedTitle.objects.filter(assessment__in=at_county).count() == 3
    assert AuditEvent.objects.filter(action="title.award", actor=county_officer).count() == 3
