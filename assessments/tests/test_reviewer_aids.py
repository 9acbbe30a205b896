"""What a reviewer sees to decide on: the waiting list's township and total against the pass
mark, 只看达标 and sorting; the sheet's panel of items scored above the registers'
suggestion; awarding with such items asks for a reason, on the sheet and in a bulk award."""

from decimal import Decimal

import pytest
from django.urls import reverse

from assessments.models import AssessmentState
from assessments.services import do_apply
from assessments.tests.helpers import chain_to_last_stage
from assessments.tests.page_helpers import applied, item, score_all, submitted
from standards import metrics
from standards.models import TitleKind

pytestmark = pytest.mark.django_db


@pytest.fixture
def registers_suggest_20(monkeypatch):
    """Item 1 of the qualified-village standard reads the registers, which suggest 20."""
    monkeypatch.setitem(
        metrics.METRICS,
        "test_members",
        metrics.Metric("test_members", "会员", lambda unit, year: (Decimal("8"), "每百人8名会员")),
    )

    def bind(standard):
        one = standard.sections.first().items.get(number="1")
        one.metric, one.metric_bands = "test_members", [{"min": 5, "score": 20}]
        one.save()
        return one

    return bind


def test_it_shows_township_and_total_against_the_pass_mark(
    login, tree, village_operator, township_officer, round_2026
):
    assessment = submitted(tree, round_2026, village_operator)
    page = login(township_officer).get(reverse("assessments:waiting"))
    row = next(r for r in page.context["page"] if r.assessment.pk == assessment.pk)
    assert row.outcome.passes
    html = page.content.decode()
    assert tree.township_1.name in html.split('id="waiting"')[1]
    assert "100 / 80" in html.split('id="waiting"')[1]


def test_it_filters_on_meeting_the_standard(login, tree, village_operator, round_2026):
    meets = applied(tree, round_2026, village_operator)
    score_all(village_operator, meets)
    short = do_apply(village_operator, round_2026, TitleKind.FIRST_CLASS_VILLAGE, tree.village_1)
    client = login(village_operator)
    url = reverse("assessments:waiting")
    shown = [r.assessment.pk for r in client.get(url, {"passing": "on"}).context["page"]]
    assert shown == [meets.pk]
    everyone = [r.assessment.pk for r in client.get(url).context["page"]]
    assert short.pk in everyone


def test_it_sorts_by_total_highest_first(login, tree, village_operator, round_2026):
    low = applied(tree, round_2026, village_operator)
    high = do_apply(village_operator, round_2026, TitleKind.FIRST_CLASS_VILLAGE, tree.village_1)
    score_all(village_operator, high)
    page = login(village_operator).get(reverse("assessments:waiting"), {"sort": "total"})
    assert [r.assessment.pk for r in page.context["page"]] == [high.pk, low.pk]


def test_it_opens_the_sheet_with_the_items_above_the_registers(
    login, tree, village_operator, round_2026, registers_suggest_20
):
    assessment = applied(tree, round_2026, village_operator)
    one = registers_suggest_20(assessment.standard)
    score_all(village_operator, assessment, reason="自报")
    page = login(village_operator).get(reverse("assessments:sheet", args=[assessment.pk]))
    review = page.context["review"]
    assert [a.item.pk for a in review.above] == [one.pk]
    assert review.total_on_suggestion == review.total - (one.points - 20)
    panel = page.content.decode().split('id="above-suggestion"')[1].split("</div>")[0]
    assert f'href="#item-{one.pk}"' in panel


def test_it_asks_for_a_reason_to_award_with_items_above_the_registers(
    login, tree, round_2026, chain_personas, registers_suggest_20
):
    assessment = chain_to_last_stage(round_2026, tree.village_1, chain_personas)
    registers_suggest_20(assessment.standard)
    client = login(chain_personas.county)
    url = reverse("assessments:act", args=[assessment.pk, "decide"])
    refused = client.post(url, {"version": assessment.version, "award": "yes"})
    assert refused.status_code == 400
    assert "高于台账建议分" in str(refused.context["form"].errors["reason"])
    assessment.refresh_from_db()
    assert assessment.state == AssessmentState.OPEN
    client.post(url, {"version": assessment.version, "award": "yes", "reason": "已实地核实"})
    assessment.refresh_from_db()
    assert assessment.state == AssessmentState.AWARDED


def test_it_asks_for_a_note_in_a_bulk_award_with_such_items(
    login, tree, round_2026, chain_personas, registers_suggest_20
):
    assessment = chain_to_last_stage(round_2026, tree.village_1, chain_personas)
    registers_suggest_20(assessment.standard)
    client = login(chain_personas.county)
    url = reverse("assessments:decide_many")
    page = client.get(url, {"a": [assessment.pk]})
    assert tree.township_1.name in page.content.decode().split('id="selection"')[1]
    refused = client.post(url, {"a": [f"{assessment.pk}:{assessment.version}"], "reason": ""})
    assert refused.status_code == 400
    assessment.refresh_from_db()
    assert assessment.state == AssessmentState.OPEN
    assert item(assessment, "1").metric == "test_members"


def test_it_counts_on_the_waiting_list_the_items_above_the_registers(
    login, tree, round_2026, chain_personas, registers_suggest_20
):
    assessment = chain_to_last_stage(round_2026, tree.village_1, chain_personas)
    registers_suggest_20(assessment.standard)
    page = login(chain_personas.county).get(reverse("assessments:waiting"))
    row = next(r for r in page.context["page"] if r.assessment.pk == assessment.pk)
    assert row.above == 1
    table = page.content.decode().split('id="waiting"')[1]
    assert f'href="{reverse("assessments:sheet", args=[assessment.pk])}#above-suggestion"' in table
