"""The demo campaign frame on the small base tree: targets, surveys, plans, pilots."""

import pytest

from audit.services import verify_chain
from campaigns import checks
from campaigns.models import Campaign, CreationPlan, Pilot, PlanStatus, SurveyEntry
from campaigns.services import plan_findings, plan_rows, version_years
from sanlian.demo.plans import build_demo_plans


@pytest.fixture(autouse=True)
def fast_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def built(tree, county_officer, township_officer, leader):
    return build_demo_plans(tree.county_a, [county_officer, township_officer, leader], seed=7)


def test_it_frames_the_county_s_campaign(built, tree):
    campaign = Campaign.objects.get()
    assert (campaign.organiser, campaign.first_year, campaign.last_year) == (
        tree.county_a,
        2024,
        2028,
    )
    assert campaign.advanced_townships == 4


def test_it_surveys_every_village_of_every_township(built, tree):
    assert built["surveyed"] == SurveyEntry.objects.count() == 3
    assert not SurveyEntry.objects.filter(township=tree.urban_branch).exists()


def test_it_returns_the_demo_township_s_plan_for_its_officer_to_fix(built, tree):
    plan = CreationPlan.objects.get(township=tree.township_1)
    assert plan.status == PlanStatus.RETURNED
    assert plan.versions.get().reason


def test_it_plans_without_skipping_a_step(built, tree):
    campaign = Campaign.objects.get()
    for plan in CreationPlan.objects.all():
        for version in plan.versions.all():
            rows = plan_rows(campaign, plan.township, version_years(version))
            assert not [f for f in plan_findings(campaign, plan.township, rows) if f.is_error]


def test_it_chooses_pilots_that_keep_the_rules(built, tree):
    campaign = Campaign.objects.get()
    for township in (tree.township_1, tree.township_2):
        for year in (2024, 2025, 2026):
            pilots = Pilot.objects.filter(township=township, year=year).select_related("village")
            rows = [
                checks.PilotRow(p.village_id, p.village.name, p.village.is_key_village)
                for p in pilots
            ]
            found = checks.check_pilots(
                rows,
                population=township.population,
                large_population=campaign.large_township_population,
                has_key_village=township == tree.township_1,
            )
            assert not [f for f in found if f.is_error], (township, year)
    assert Pilot.objects.filter(township=tree.township_1, village=tree.village_1).count() == 3


def test_it_is_audited_and_the_chain_holds(built):
    assert verify_chain().ok
