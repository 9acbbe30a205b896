"""A review stage that left an item blank shows the earlier score it keeps, in grey italics with
a legend, instead of a dash beside a subtotal that counts it; subtotals carry their stage's
name for the phone layout."""

import pytest
from django.urls import reverse

from assessments.tests.page_helpers import item, submitted

pytestmark = pytest.mark.django_db


def test_it_shows_the_kept_self_score_at_the_blank_review_stage(
    login, tree, village_operator, round_2026
):
    assessment = submitted(tree, round_2026, village_operator)
    page = login(village_operator).get(reverse("assessments:sheet", args=[assessment.pk]))
    one = item(assessment, "1")
    row = next(r for s in page.context["sections"] for r in s.rows if r.item.pk == one.pk)
    assert row.cells[1].inherited == one.points
    assert row.cells[2].inherited is None  # a later stage inherits nothing yet
    html = page.content.decode()
    assert 'class="inherited"' in html and 'id="sheet-legend"' in html


def test_it_labels_the_subtotals_with_their_stage(login, tree, village_operator, round_2026):
    assessment = submitted(tree, round_2026, village_operator)
    html = login(village_operator).get(reverse("assessments:sheet", args=[assessment.pk]))
    totals = html.content.decode().split('id="totals"')[1].split("</tr>")[0]
    assert 'data-label="自评申报"' in totals
