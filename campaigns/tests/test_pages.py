"""The campaign pages: who sees and does what, the plan editor with its live checks, submission,
approval and return, the survey and pilots."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from audit.models import AuditEvent
from campaigns.models import Campaign, CreationPlan, Pilot, PlanStatus, SurveyEntry
from campaigns.services import (
    do_add_pilot,
    do_create_campaign,
    do_return_plan,
    do_save_plan_draft,
    do_submit_plan,
)
from orgs.models import Category, Level
from orgs.services import do_create_unit


@pytest.fixture(autouse=True)
def fast_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def default_language(settings):
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def campaign(tree, county_officer):
    return do_create_campaign(
        county_officer, tree.county_a, name="三联创 2026–2030", first_year=2026
    )


def _get(client, url, **extra):
    return client.get(url, HTTP_ACCEPT_LANGUAGE="en", **extra)


def _post(client, url, data, **extra):
    return client.post(url, data, HTTP_ACCEPT_LANGUAGE="en", **extra)


def _denials(reason):
    return AuditEvent.objects.filter(action="access.denied", after__reason=reason).count()


def _township_url(name, campaign, township, *args):
    return reverse(f"campaigns:{name}", args=[campaign.pk, township.pk, *args])


# Campaign and targets


def test_it_creates_a_campaign_with_the_plan_s_defaults(tree, county_officer, login):
    client = login(county_officer)
    response = _post(
        client,
        reverse("campaigns:campaign_create", args=[tree.county_a.pk]),
        {
            "name": "三联创",
            "first_year": 2026,
            "five_good_share": "50",
            "qualified_share": "80",
            "first_class_share": "25",
            "first_class_base": "all_villages",
            "large_township_population": "30000",
        },
    )
    campaign = Campaign.objects.get()
    assert response.status_code == 302
    assert (campaign.first_year, campaign.last_year, campaign.organiser) == (
        2026,
        2030,
        tree.county_a,
    )


def test_it_shows_the_validation_message_next_to_the_field(tree, county_officer, login):
    client = login(county_officer)
    response = client.post(
        reverse("campaigns:campaign_create", args=[tree.county_a.pk]),
        {
            "name": "三联创",
            "first_year": 2026,
            "last_year": 2040,
            "five_good_share": "50",
            "qualified_share": "80",
            "first_class_share": "25",
            "first_class_base": "all_villages",
            "large_township_population": "30000",
        },
    )
    assert response.status_code == 200
    assert not Campaign.objects.exists()
    assert "最后一年" in response.content.decode()


def test_it_explains_years_in_the_wrong_order_when_editing(campaign, county_officer, login):
    client = login(county_officer)
    response = client.post(
        reverse("campaigns:campaign_edit", args=[campaign.pk]),
        {
            "name": campaign.name,
            "first_year": 2026,
            "last_year": 2025,
            "five_good_share": "50",
            "qualified_share": "80",
            "first_class_share": "25",
            "first_class_base": "qualified_or_better",
            "large_township_population": "30000",
        },
    )
    assert response.status_code == 200
    assert "最后一年须在第一年至其后九年之间" in response.content.decode()
    campaign.refresh_from_db()
    assert (campaign.last_year, campaign.first_class_base) == (2030, "all_villages")


def test_it_keeps_campaign_creation_to_the_county(tree, township_officer, leader, outsider, client):
    url = reverse("campaigns:campaign_create", args=[tree.county_a.pk])
    client.force_login(township_officer)
    assert client.get(url).status_code == 404
    client.force_login(outsider)
    assert client.get(url).status_code == 404
    client.force_login(leader)
    assert client.get(url).status_code == 403
    assert _denials("forbidden") == 1


def test_it_names_the_first_class_base_next_to_the_target(campaign, county_officer, login):
    client = login(county_officer)
    page = _get(client, reverse("campaigns:campaign", args=[campaign.pk])).content.decode()
    assert "of all villages" in page
    campaign.first_class_base = "qualified_or_better"
    campaign.save()
    page = _get(client, reverse("campaigns:campaign", args=[campaign.pk])).content.decode()
    assert "of villages qualified or better" in page


def test_it_shows_the_chinese_base_by_default(campaign, county_officer, login):
    page = login(county_officer).get(reverse("campaigns:campaign", args=[campaign.pk]))
    assert "占全部村" in page.content.decode()


def test_it_sets_a_township_s_own_target(campaign, tree, county_officer, login):
    client = login(county_officer)
    url = _township_url("township_targets", campaign, tree.township_1)
    response = _post(client, url, {"qualified_share": "70"})
    assert response.status_code == 302
    page = _get(client, _township_url("township", campaign, tree.township_1)).content.decode()
    assert "≥ 70.0%" in page


def test_it_lets_only_the_county_set_township_targets(campaign, tree, township_officer, login):
    client = login(township_officer)
    url = _township_url("township_targets", campaign, tree.township_1)
    assert client.post(url, {"qualified_share": "10"}).status_code == 404


def test_it_is_in_the_main_navigation_of_townships_and_above(
    campaign, tree, township_officer, village_operator, login, client
):
    link = f'<a href="{reverse("campaigns:home")}" aria-current="page">'
    page = _get(login(township_officer), reverse("campaigns:home")).content.decode()
    assert link in page
    client.force_login(village_operator)
    page = _get(client, reverse("orgs:unit", args=[tree.village_1.pk])).content.decode()
    assert reverse("campaigns:home") not in page


# Access to a township's pages


def test_it_hides_the_campaign_page_from_a_township_officer(campaign, township_officer, login):
    client = login(township_officer)
    assert client.get(reverse("campaigns:campaign", args=[campaign.pk])).status_code == 404
    home = _get(client, reverse("campaigns:home")).content.decode()
    assert (
        _township_url("township", campaign, campaign.organiser.children.get(name="青山镇")) in home
    )


def test_it_shows_a_township_officer_only_their_township(campaign, tree, township_officer, login):
    client = login(township_officer)
    for name in ("township", "survey", "plan", "pilots"):
        assert client.get(_township_url(name, campaign, tree.township_1)).status_code == 200
        assert client.get(_township_url(name, campaign, tree.township_2)).status_code == 404
    assert _denials("not_found") == 4


def test_it_keeps_plans_from_a_village_operator(campaign, tree, village_operator, login):
    client = login(village_operator)
    url = _township_url("plan", campaign, tree.township_1)
    assert client.get(url).status_code == 404
    assert client.post(url, {f"q_{tree.village_1.pk}": "2027"}).status_code == 404
    assert not CreationPlan.objects.exists()


def test_it_refuses_a_county_officer_editing_a_township_plan(campaign, tree, county_officer, login):
    client = login(county_officer)
    url = _township_url("plan", campaign, tree.township_1)
    assert client.get(url).status_code == 200
    assert client.post(url, {f"q_{tree.village_1.pk}": "2027"}).status_code == 403
    assert _denials("forbidden") == 1


def test_it_answers_404_for_a_township_outside_the_campaign(campaign, tree, outsider, login):
    client = login(outsider)
    assert client.get(_township_url("township", campaign, tree.township_b)).status_code == 404


# The plan editor


def test_it_saves_the_draft_from_the_editor(campaign, tree, township_officer, login):
    client = login(township_officer)
    url = _township_url("plan", campaign, tree.township_1)
    response = _post(
        client, url, {f"q_{tree.village_1.pk}": "2027", f"f_{tree.village_1.pk}": "2029"}
    )
    assert response.status_code == 302
    entry = CreationPlan.objects.get().entries.get()
    assert (entry.village, entry.qualified_year, entry.first_class_year) == (
        tree.village_1,
        2027,
        2029,
    )


def test_it_shows_the_checks_live_without_saving(campaign, tree, township_officer, login):
    client = login(township_officer)
    page = _get(client, _township_url("plan", campaign, tree.township_1)).content.decode()
    assert 'hx-post="' + _township_url("plan_check", campaign, tree.township_1) in page
    response = _post(
        client,
        _township_url("plan_check", campaign, tree.township_1),
        {f"f_{tree.village_1.pk}": "2027"},
        HTTP_HX_REQUEST="true",
    )
    html = response.content.decode()
    assert 'id="plan-checks"' in html and "<html" not in html
    assert "step by step" in html
    assert not CreationPlan.objects.exists()


def test_it_refuses_a_year_outside_the_campaign_in_the_editor(
    campaign, tree, township_officer, login
):
    client = login(township_officer)
    response = _post(
        client, _township_url("plan", campaign, tree.township_1), {f"q_{tree.village_1.pk}": "2035"}
    )
    assert response.status_code == 200
    assert not CreationPlan.objects.exists()


def test_it_submits_after_a_confirmation(campaign, tree, township_officer, login):
    do_save_plan_draft(
        township_officer, campaign, tree.township_1, {tree.village_1.pk: (2027, None)}
    )
    client = login(township_officer)
    url = _township_url("plan_submit", campaign, tree.township_1)
    page = _get(client, url).content.decode()
    assert "Submit the plan to the county?" in page
    assert CreationPlan.objects.get().status == PlanStatus.DRAFT
    response = _post(client, url, {"note": "请审批"})
    assert response.status_code == 302
    assert CreationPlan.objects.get().status == PlanStatus.SUBMITTED


def test_it_shows_why_a_submission_is_refused(campaign, tree, township_officer, login):
    do_save_plan_draft(
        township_officer, campaign, tree.township_1, {tree.village_1.pk: (None, 2027)}
    )
    client = login(township_officer)
    response = _post(client, _township_url("plan_submit", campaign, tree.township_1), {})
    assert response.status_code == 200
    assert "递次达标" in response.content.decode()
    assert CreationPlan.objects.get().status == PlanStatus.DRAFT


def test_it_approves_a_plan_from_its_version_page(
    campaign, tree, township_officer, county_officer, login
):
    do_save_plan_draft(
        township_officer, campaign, tree.township_1, {tree.village_1.pk: (2027, None)}
    )
    version = do_submit_plan(township_officer, campaign, tree.township_1)
    client = login(county_officer)
    overview = _get(client, reverse("campaigns:plans", args=[campaign.pk])).content.decode()
    assert "1 plan awaits approval" in overview
    url = _township_url("plan_version", campaign, tree.township_1, version.number)
    assert "Approve the plan" in _get(client, url).content.decode()
    assert _post(client, url, {"decision": "approve"}).status_code == 302
    version.refresh_from_db()
    assert version.status == PlanStatus.APPROVED


def test_it_needs_a_reason_to_return_a_plan(
    campaign, tree, township_officer, county_officer, login
):
    do_save_plan_draft(
        township_officer, campaign, tree.township_1, {tree.village_1.pk: (2027, None)}
    )
    version = do_submit_plan(township_officer, campaign, tree.township_1)
    client = login(county_officer)
    url = _township_url("plan_version", campaign, tree.township_1, version.number)
    response = client.post(url, {"decision": "return", "reason": ""})
    assert response.status_code == 200
    assert "请说明退回的理由" in response.content.decode()
    _post(client, url, {"decision": "return", "reason": "王庄村也要列入"})
    version.refresh_from_db()
    assert (version.status, version.reason) == (PlanStatus.RETURNED, "王庄村也要列入")


def test_it_lets_the_township_read_but_not_decide_its_version(
    campaign, tree, township_officer, login
):
    do_save_plan_draft(
        township_officer, campaign, tree.township_1, {tree.village_1.pk: (2027, None)}
    )
    version = do_submit_plan(township_officer, campaign, tree.township_1)
    client = login(township_officer)
    url = _township_url("plan_version", campaign, tree.township_1, version.number)
    assert "Approve the plan" not in _get(client, url).content.decode()
    assert client.post(url, {"decision": "approve"}).status_code == 403


def test_it_lists_older_versions(campaign, tree, township_officer, county_officer, login):
    do_save_plan_draft(
        township_officer, campaign, tree.township_1, {tree.village_1.pk: (2027, None)}
    )
    do_return_plan(
        county_officer, do_submit_plan(township_officer, campaign, tree.township_1), reason="提前"
    )
    do_submit_plan(township_officer, campaign, tree.township_1)
    page = _get(login(township_officer), _township_url("plan", campaign, tree.township_1))
    html = page.content.decode()
    assert _township_url("plan_version", campaign, tree.township_1, 1) in html
    assert _township_url("plan_version", campaign, tree.township_1, 2) in html


def test_it_marks_what_changed_since_the_previous_version(
    campaign, tree, township_officer, county_officer, login
):
    do_save_plan_draft(
        township_officer, campaign, tree.township_1, {tree.village_1.pk: (2028, None)}
    )
    do_return_plan(
        county_officer, do_submit_plan(township_officer, campaign, tree.township_1), reason="提前"
    )
    do_save_plan_draft(
        township_officer, campaign, tree.township_1, {tree.village_1.pk: (2027, None)}
    )
    version = do_submit_plan(township_officer, campaign, tree.township_1)
    url = _township_url("plan_version", campaign, tree.township_1, version.number)
    html = _get(login(county_officer), url).content.decode()
    assert '2027 <span class="muted">（was 2028）</span>' in html
    assert html.count("（was") == 1


# Survey and pilots


def test_it_saves_the_prefilled_survey_and_an_edited_line(campaign, tree, township_officer, login):
    client = login(township_officer)
    page = _get(client, _township_url("survey", campaign, tree.township_1)).content.decode()
    assert "李家村" in page and "prefilled" in page
    assert (
        _post(client, _township_url("survey_save", campaign, tree.township_1), {}).status_code
        == 302
    )
    assert SurveyEntry.objects.count() == 2
    url = _township_url("survey_entry", campaign, tree.township_1, tree.village_2.pk)
    response = _post(client, url, {"standing": "qualified", "gaps": "缺场所", "notes": ""})
    assert response.status_code == 302
    assert SurveyEntry.objects.get(village=tree.village_2).gaps == "缺场所"


def test_it_keeps_the_survey_editor_from_the_county(campaign, tree, county_officer, login):
    client = login(county_officer)
    assert client.get(_township_url("survey", campaign, tree.township_1)).status_code == 200
    url = _township_url("survey_entry", campaign, tree.township_1, tree.village_1.pk)
    assert client.get(url).status_code == 403
    assert client.post(_township_url("survey_save", campaign, tree.township_1)).status_code == 403


def test_it_adds_a_pilot_and_shows_the_rule_it_still_breaks(
    campaign, tree, township_officer, login
):
    client = login(township_officer)
    url = _township_url("pilots", campaign, tree.township_1)
    response = _post(client, url, {"year": "2026", "village": tree.village_2.pk, "note": ""})
    assert response.status_code == 302
    page = _get(client, url + "?year=2026").content.decode()
    assert "at least two pilot villages" in page
    assert "No pilot is a key village" in page


def test_it_removes_a_pilot_after_a_confirmation(campaign, tree, township_officer, login):
    pilot = do_add_pilot(
        township_officer, campaign, tree.township_1, year=2026, village=tree.village_1
    )
    client = login(township_officer)
    url = reverse("campaigns:pilot_remove", args=[pilot.pk])
    assert "Remove 李家村" in _get(client, url).content.decode()
    assert Pilot.objects.exists()
    assert client.post(url).status_code == 302
    assert not Pilot.objects.exists()


def test_it_keeps_pilot_removal_from_another_township(
    campaign, tree, township_officer, other_township_officer, login
):
    pilot = do_add_pilot(
        township_officer, campaign, tree.township_1, year=2026, village=tree.village_1
    )
    client = login(other_township_officer)
    assert client.post(reverse("campaigns:pilot_remove", args=[pilot.pk])).status_code == 404
    assert Pilot.objects.exists()


def test_it_gives_the_county_a_pilots_overview(
    campaign, tree, township_officer, county_officer, login
):
    do_add_pilot(township_officer, campaign, tree.township_1, year=2026, village=tree.village_1)
    client = login(county_officer)
    page = _get(client, reverse("campaigns:pilots_overview", args=[campaign.pk]) + "?year=2026")
    html = page.content.decode()
    assert "青山镇" in html and "河口乡" in html and "城关分会" not in html
    assert "none is chosen yet" in html


# Query counts: the county's pages do not grow with the number of townships


def _add_township(tree, county_officer, campaign, n):
    township = do_create_unit(
        None,
        parent=tree.county_a,
        name=f"新镇{n}",
        level=Level.TOWNSHIP,
        category=Category.TOWN,
        division_code=f"43012130{n}",
        population=50000,
    )
    village = do_create_unit(
        None,
        parent=township,
        name=f"新村{n}",
        level=Level.VILLAGE,
        category=Category.VILLAGE,
        division_code=f"43012130{n}201",
        is_key_village=True,
    )
    do_save_plan_draft(None, campaign, township, {village.pk: (2027, None)})
    do_submit_plan(None, campaign, township)
    do_add_pilot(None, campaign, township, year=2026, village=village)


@pytest.mark.parametrize("name", ["campaign", "plans", "pilots_overview"])
def test_it_reads_the_county_pages_in_a_fixed_number_of_queries(
    name, campaign, tree, county_officer, login, django_assert_max_num_queries
):
    client = login(county_officer)
    url = reverse(f"campaigns:{name}", args=[campaign.pk]) + "?year=2026"
    _add_township(tree, county_officer, campaign, 1)
    client.get(url)
    with CaptureQueriesContext(connection) as before:
        assert client.get(url).status_code == 200
    for n in range(2, 5):
        _add_township(tree, county_officer, campaign, n)
    with django_assert_max_num_queries(len(before.captured_queries)):
        assert client.get(url).status_code == 200


def test_it_shows_a_version_whose_submitter_was_deleted(
    campaign, tree, township_officer, county_officer, login
):
    do_save_plan_draft(
        township_officer, campaign, tree.township_1, {tree.village_1.pk: (2027, None)}
    )
    version = do_submit_plan(township_officer, campaign, tree.township_1)
    type(version).objects.filter(pk=version.pk).update(submitted_by=None)  # as SET_NULL leaves it
    url = _township_url("plan_version", campaign, tree.township_1, version.number)
    html = _get(login(county_officer), url).content.decode()
    assert " · —</dd>" in html
