"""The sheet links to its printable and PDF forms, which the same user can open."""

from django.urls import reverse

from assessments import group_rules
from assessments.services import do_apply
from standards.models import TitleKind


def test_it_links_the_sheet_to_the_printed_forms_that_open_as_pdf(
    tree, round_2026, village_operator, login
):
    assessment = do_apply(village_operator, round_2026, TitleKind.QUALIFIED_VILLAGE, tree.village_1)
    client = login(village_operator)
    page = client.get(reverse("assessments:sheet", args=[assessment.pk])).content.decode()
    sheet_pdf = reverse("reports:assessment_sheet_pdf", args=[assessment.pk])
    form_pdf = reverse("reports:approval_form_pdf", args=[assessment.pk])
    assert sheet_pdf in page and form_pdf in page
    response = client.get(sheet_pdf)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"


def test_it_offers_a_group_rating_no_approval_form(tree, round_2026, village_operator, login):
    village = do_apply(village_operator, round_2026, TitleKind.QUALIFIED_VILLAGE, tree.village_1)
    group = group_rules.ratings_with(village).first()
    page = login(village_operator).get(reverse("assessments:sheet", args=[group.pk]))
    text = page.content.decode()
    assert reverse("reports:assessment_sheet", args=[group.pk]) in text
    assert reverse("reports:approval_form", args=[group.pk]) not in text
