"""The top bar shows the current unit and the working year on every page (ui.md, Navigation)."""

import pytest
from django.urls import reverse
from django.utils import timezone


@pytest.mark.parametrize("name", ["home", "registers:members_home", "assessments:rounds"])
def test_it_shows_the_unit_and_the_year_in_chinese(login, village_operator, tree, name):
    html = login(village_operator).get(reverse(name), follow=True).content.decode()
    top_bar = html.split('<header class="topbar">')[1].split("</header>")[0]
    assert tree.village_1.name in top_bar
    assert f"{timezone.localdate().year}年度" in top_bar


def test_it_shows_the_year_in_english(login, village_operator, tree):
    client = login(village_operator)
    client.cookies["django_language"] = "en"
    html = client.get(reverse("home")).content.decode()
    top_bar = html.split('<header class="topbar">')[1].split("</header>")[0]
    assert f"Year {timezone.localdate().year}" in top_bar
