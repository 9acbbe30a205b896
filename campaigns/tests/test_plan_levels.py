"""三级联创 in the township's plan: five-good groups per village and year, a 特色/措施 note per
village and the township's advanced aim, saved with the draft, frozen at submission and checked."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from audit.models import AuditEvent
from campaigns.models import PlanEntry
from campaigns.plan_levels import do_save_plan_levels, draft_levels
from campaigns.services import (
    do_create_campaign,
    do_save_plan_draft,
    do_submit_plan,
    draft_years,
    plan_findings,
    plan_for,
    plan_rows,
)


@pytest.fixture
def campaign(tree, county_officer):
    return do_create_campaign(county_officer, tree.county_a, name="三联创", first_year=2026)


def _levels(tree, groups=None, note="依托新农村建设重点村，抓小组活动"):
    return {tree.village_1.pk: {"groups": groups or {2026: 1, 2027: 2}, "note": note}}


def _codes(campaign, tree) -> list[str]:
    rows = plan_rows(campaign, tree.township_1, draft_years(plan_for(campaign, tree.township_1)))
    return [f.code for f in plan_findings(campaign, tree.township_1, rows)]


def test_it_saves_groups_notes_and_the_aim_and_audits_them(campaign, tree, township_officer):
    plan = do_save_plan_levels(
        township_officer, campaign, tree.township_1, villages=_levels(tree), advanced_year="2028"
    )
    assert plan.advanced_year == 2028
    groups, note = draft_levels(plan)[tree.village_1.pk]
    assert groups == {2026: 1, 2027: 2} and "重点村" in note
    event = AuditEvent.objects.get(action="campaigns.plan.save_levels")
    assert event.after["advanced_year"] == 2028


def test_it_refuses_more_five_good_groups_than_the_village_has(campaign, tree, township_officer):
    with pytest.raises(ValidationError) as caught:
        do_save_plan_levels(
            township_officer, campaign, tree.township_1, villages=_levels(tree, {2026: 3})
        )
    assert f"g_{tree.village_1.pk}_2026" in caught.value.message_dict


def test_it_refuses_an_aim_outside_the_campaign(campaign, tree, township_officer):
    with pytest.raises(ValidationError) as caught:
        do_save_plan_levels(
            township_officer, campaign, tree.township_1, villages={}, advanced_year="2035"
        )
    assert "advanced_year" in caught.value.message_dict


def test_clearing_the_years_keeps_the_groups_and_note(campaign, tree, township_officer):
    do_save_plan_draft(
        township_officer, campaign, tree.township_1, {tree.village_1.pk: (2026, None)}
    )
    do_save_plan_levels(township_officer, campaign, tree.township_1, villages=_levels(tree))
    do_save_plan_draft(
        township_officer, campaign, tree.township_1, {tree.village_1.pk: (None, None)}
    )
    assert PlanEntry.objects.get(village=tree.village_1).five_good_groups == {"2026": 1, "2027": 2}


def test_submitting_freezes_the_groups_notes_and_aim(campaign, tree, township_officer):
    do_save_plan_draft(
        township_officer,
        campaign,
        tree.township_1,
        {tree.village_1.pk: (2026, 2028), tree.village_2.pk: (2027, None)},
    )
    do_save_plan_levels(
        township_officer, campaign, tree.township_1, villages=_levels(tree), advanced_year=2029
    )
    version = do_submit_plan(township_officer, campaign, tree.township_1)
    frozen = version.entries.get(village=tree.village_1)
    assert frozen.five_good_groups == {"2026": 1, "2027": 2} and frozen.note
    assert version.advanced_year == 2029


def test_a_village_with_only_group_steps_is_not_left_out(campaign, tree, township_officer):
    do_save_plan_draft(
        township_officer, campaign, tree.township_1, {tree.village_2.pk: (2027, None)}
    )
    assert "village_without_step" in _codes(campaign, tree)
    do_save_plan_levels(township_officer, campaign, tree.township_1, villages=_levels(tree))
    assert "village_without_step" not in _codes(campaign, tree)


def test_it_warns_when_the_group_numbers_fall(campaign, tree, township_officer):
    do_save_plan_levels(
        township_officer, campaign, tree.township_1, villages=_levels(tree, {2026: 2, 2027: 1})
    )
    assert "groups_fall" in _codes(campaign, tree)


def test_the_township_fills_them_in_on_the_plan_page(campaign, tree, township_officer, login):
    client = login(township_officer)
    url = reverse("campaigns:plan", args=[campaign.pk, tree.township_1.pk])
    assert "plan-levels" in client.get(url).content.decode()
    client.post(
        reverse("campaigns:plan_levels", args=[campaign.pk, tree.township_1.pk]),
        {
            f"g_{tree.village_1.pk}_2027": "2",
            f"note_{tree.village_1.pk}": "特色",
            "advanced_year": "2028",
        },
    )
    plan = plan_for(campaign, tree.township_1)
    assert plan.advanced_year == 2028
    assert draft_levels(plan)[tree.village_1.pk] == ({2027: 2}, "特色")


def test_another_township_may_not_save_them(campaign, tree, other_township_officer, login):
    response = login(other_township_officer).post(
        reverse("campaigns:plan_levels", args=[campaign.pk, tree.township_1.pk]),
        {"advanced_year": "2028"},
    )
    assert response.status_code in (403, 404)
    assert plan_for(campaign, tree.township_1) is None


def test_the_county_reads_them_on_the_submitted_version(
    campaign, tree, township_officer, county_officer, login
):
    do_save_plan_draft(
        township_officer, campaign, tree.township_1, {tree.village_1.pk: (2026, None)}
    )
    do_save_plan_levels(
        township_officer, campaign, tree.township_1, villages=_levels(tree), advanced_year=2029
    )
    version = do_submit_plan(township_officer, campaign, tree.township_1)
    url = reverse("campaigns:plan_version", args=[campaign.pk, tree.township_1.pk, version.number])
    page = login(county_officer).get(url).content.decode()
    assert "2029" in page and "依托新农村建设重点村" in page


def test_they_are_read_and_saved_over_the_api(campaign, tree, township_officer, as_user):
    client = as_user(township_officer)
    url = f"/api/v1/plan-levels/{campaign.pk}/townships/{tree.township_1.pk}"
    body = {
        "advanced_year": 2028,
        "villages": [
            {"village_id": tree.village_1.pk, "five_good_groups": {"2027": 2}, "note": "特色"}
        ],
    }
    saved = client.put(url, body, content_type="application/json")
    assert saved.status_code == 200
    village = next(v for v in saved.json()["villages"] if v["village_id"] == tree.village_1.pk)
    assert (village["groups"], village["five_good_groups"], village["note"]) == (
        2,
        {"2027": 2},
        "特色",
    )
    too_many = {"villages": [{"village_id": tree.village_1.pk, "five_good_groups": {"2027": 9}}]}
    assert client.put(url, too_many, content_type="application/json").status_code == 422
    assert client.get(url).json()["advanced_year"] == 2028
