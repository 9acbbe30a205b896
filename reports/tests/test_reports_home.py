"""报表打印 in the main navigation: one page gathers what the user can print (ui.md,
Navigation by task)."""

from django.urls import reverse

from assessments.services import do_apply
from standards.models import TitleKind


def test_every_page_links_to_the_reports_page(login, village_operator, tree):
    html = login(village_operator).get(reverse("home")).content.decode()
    nav = html.split('<nav class="mainnav"')[1].split("</nav>")[0]
    assert f'href="{reverse("reports:home")}"' in nav
    assert "报表打印" in nav


def test_it_lists_the_own_forms_and_the_rounds_lists(
    login, village_operator, tree, round_2026, outsider
):
    assessment = do_apply(village_operator, round_2026, TitleKind.QUALIFIED_VILLAGE, tree.village_1)
    response = login(village_operator).get(reverse("reports:home"))
    assert response.status_code == 200
    html = response.content.decode()
    assert reverse("reports:assessment_sheet", args=[assessment.pk]) in html
    assert reverse("reports:approval_form", args=[assessment.pk]) in html
    assert (
        reverse("reports:commendation_pdf", args=[round_2026.pk, TitleKind.QUALIFIED_VILLAGE])
        in html
    )


def test_it_shows_nothing_outside_the_users_reach(
    login, village_operator, tree, round_2026, outsider
):
    do_apply(village_operator, round_2026, TitleKind.QUALIFIED_VILLAGE, tree.village_1)
    html = login(outsider).get(reverse("reports:home")).content.decode()
    assert tree.village_1.name not in html.split("<main>")[1]
    assert round_2026.name not in html


def test_it_speaks_english(login, village_operator, tree):
    client = login(village_operator)
    client.cookies["django_language"] = "en"
    html = client.get(reverse("reports:home")).content.decode()
    assert "Reports and printing" in html and "报表打印" not in html
