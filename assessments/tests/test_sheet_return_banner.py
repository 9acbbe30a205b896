"""The returned-items banner: the reason, who returned it and when, a link to each returned
item, and each returned item marked with the reason."""

import pytest
from django.urls import reverse

from assessments.services import do_return
from assessments.tests.page_helpers import item, submitted

pytestmark = pytest.mark.django_db


@pytest.fixture
def returned(tree, round_2026, village_operator, township_officer):
    assessment = submitted(tree, round_2026, village_operator)
    two = item(assessment, "2")
    do_return(township_officer, assessment, reason="第2项缺少档案记录，请补充", items=[two.pk])
    assessment.refresh_from_db()
    return assessment, two


def _page(client, assessment):
    return client.get(reverse("assessments:sheet", args=[assessment.pk]))


def test_it_shows_the_reason_and_who_returned_it_in_the_banner(
    login, returned, village_operator, township_officer
):
    assessment, _two = returned
    page = _page(login(village_operator), assessment)
    assert page.context["returned"].reason == "第2项缺少档案记录，请补充"
    banner = page.content.decode().split('id="reopened"')[1].split("</div>")[0]
    assert "第2项缺少档案记录，请补充" in banner
    who = township_officer.get_full_name() or township_officer.username
    assert who in banner


def test_it_links_and_marks_each_returned_item(login, returned, village_operator):
    assessment, two = returned
    page = _page(login(village_operator), assessment)
    html = page.content.decode()
    assert f'href="#item-{two.pk}"' in html
    rows = {r.item.pk: r for s in page.context["sections"] for r in s.rows}
    assert getattr(rows[two.pk], "returned", False) is True
    assert not getattr(rows[item(assessment, "1").pk], "returned", False)
    assert html.count('class="returned-mark"') == 1


def test_it_drops_the_banner_once_resubmitted(login, returned, village_operator, township_officer):
    from assessments.services import do_submit

    assessment, _two = returned
    do_submit(village_operator, assessment)
    page = _page(login(township_officer), assessment)
    assert page.context["returned"] is None
