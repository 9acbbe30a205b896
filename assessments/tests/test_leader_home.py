"""A leader's home page (read-only): it leads with the targets against progress, with the gap,
and with what waits at the leader's level, not with an empty queue of their own."""

import pytest
from django.urls import reverse

from assessments.tests.page_helpers import at_county
from campaigns.models import Campaign

pytestmark = pytest.mark.django_db


@pytest.fixture
def campaign(tree):
    return Campaign.objects.create(
        organiser=tree.county_a, name="三联创 2026—2030", first_year=2026, last_year=2030
    )


def test_it_shows_a_leader_what_waits_at_the_county_level(
    login, tree, leader, village_operator, township_officer, round_2026
):
    waiting = at_county(tree, round_2026, village_operator, township_officer)
    page = login(leader).get(reverse("home")).content.decode()
    level = page.split(f'id="level-waiting-{tree.county_a.pk}"')[1].split("</section>")[0]
    assert "有1个评估等待这一级审核决定" in level
    assert reverse("assessments:sheet", args=[waiting.pk]) in level


def test_it_leaves_out_the_empty_work_queue_for_a_leader(login, leader, round_2026):
    page = login(leader).get(reverse("home")).content.decode()
    assert 'id="home-assessments"' not in page
    assert "<h1>概览</h1>" in page


def test_it_shows_a_leader_the_gap_to_each_target(login, tree, leader, campaign):
    page = login(leader).get(reverse("home")).content.decode()
    overview = page.split(f'id="leader-overview-{tree.county_a.pk}"')[1]
    assert "个百分点：还需" in overview
    assert f"{reverse('dashboards:unit', args=[tree.county_a.pk])}#indicator-matrix" in overview


def test_it_keeps_the_work_queue_for_an_officer(login, county_officer, round_2026):
    page = login(county_officer).get(reverse("home")).content.decode()
    assert 'id="home-assessments"' in page
    assert 'id="level-waiting-' not in page
