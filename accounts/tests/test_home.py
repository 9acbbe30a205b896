"""工作台: what waits for me first, shortcuts to the registers for whoever keeps one, and the unit's
standing against the targets in three or four numbers (ui.md, Home is "my work")."""

from django.urls import reverse
from django.utils import timezone

from accounts.models import RoleKind
from accounts.services import do_create_user, do_grant_role
from campaigns.services import do_create_campaign
from conftest import PASSWORD


def _main(html: str) -> str:
    return html.split("<main>")[1]


def test_a_village_operator_gets_shortcuts_to_the_register(login, village_operator, tree):
    html = _main(login(village_operator).get(reverse("home")).content.decode())
    for name in ["member_list", "member_create", "activity_create", "training_create"]:
        assert reverse(f"registers:{name}", args=[tree.village_1.pk]) in html, name


def test_a_leader_gets_no_shortcuts_to_write(login, tree):
    leader = do_create_user(None, username="village_leader", password=PASSWORD)
    do_grant_role(None, leader, tree.village_1, RoleKind.LEADER)
    html = _main(login(leader).get(reverse("home")).content.decode())
    assert tree.village_1.name in html
    assert "/members/new/" not in html and "/activities/new/" not in html


def test_it_shows_the_standing_against_the_targets(login, county_officer, tree):
    year = timezone.localdate().year
    do_create_campaign(None, tree.county_a, name="三联创", first_year=year - 1)
    html = _main(login(county_officer).get(reverse("home")).content.decode())
    assert f"{year}年目标完成情况" in html
    assert "目标 80.0%" in html  # villages qualified or better, the plan's default
    assert reverse("dashboards:unit", args=[tree.county_a.pk]) in html


def test_it_shows_no_standing_without_a_campaign(login, county_officer, tree):
    html = _main(login(county_officer).get(reverse("home")).content.decode())
    assert "目标完成情况" not in html
