"""The printable and PDF 评估表: per item the paper form's columns, subtotals, totals, outcome."""

import re

from django.urls import reverse

from assessments.services import do_return
from audit.models import AuditEvent, Result
from reports.selectors import assessment_sheet
from reports.tests.conftest import embedded_font_names, needs_pdftotext, page_sizes, pdf_text


def _text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def test_it_shows_each_stage_column_with_its_scores_and_totals(passed_to_county):
    sheet = assessment_sheet(passed_to_county)
    assert [c.reached for c in sheet.columns] == [True, True, True]
    item_3 = sheet.sections[1].rows[0]
    assert [c.points for c in item_3.cells[:2]] == [40, 35]
    assert sheet.sections[0].subtotals[:2] == [50, 50]
    assert sheet.totals[:2] == [90, 85]
    assert item_3.gap == 15


def test_it_highlights_a_score_changed_from_the_stage_before(passed_to_county):
    item_1, item_3 = (
        assessment_sheet(passed_to_county).sections[0].rows[0],
        assessment_sheet(passed_to_county).sections[1].rows[0],
    )
    assert item_3.cells[1].differs
    assert not item_1.cells[1].differs


def test_it_shows_the_earlier_score_greyed_where_a_stage_did_not_score(passed_to_county):
    """The county (a spot-check stage) scored nothing: the township's marks stand there."""
    county = [
        row.cells[2] for block in assessment_sheet(passed_to_county).sections for row in block.rows
    ]
    assert all(cell.carried for cell in county)
    assert county[2].points == 35


def test_it_keeps_current_state_and_measures_from_the_stages(passed_to_county):
    row = assessment_sheet(passed_to_county).sections[0].rows[0]
    assert row.current_state == "村协会有会员名册和台账"
    assert row.measures == "补齐宣传记录"


def test_it_lists_the_group_ratings_with_the_migrant_group(passed_to_county, tree):
    groups = assessment_sheet(passed_to_county).groups
    assert {g.unit for g in groups} == {tree.group_1, tree.group_2, tree.branch_group}
    assert [g.is_migrant for g in groups if g.unit == tree.branch_group] == [True]
    assert all(g.total == 90 and g.passes for g in groups)


def test_it_states_the_pass_rule_outcome(passed_to_county):
    sheet = assessment_sheet(passed_to_county)
    assert sheet.outcome.passes and sheet.outcome.total == 85


def test_it_prints_the_sheet_page_for_the_county(passed_to_county, county_officer, login, tree):
    response = login(county_officer).get(
        reverse("reports:assessment_sheet", args=[passed_to_county.pk])
    )
    assert response.status_code == 200
    text = _text(response)
    assert tree.village_1.name in text and tree.township_1.name in text
    assert "村协会有会员名册和台账" in text
    assert reverse("reports:assessment_sheet_pdf", args=[passed_to_county.pk]) in text


def test_it_lets_the_village_print_its_own_sheet(passed_to_county, village_operator, login):
    url = reverse("reports:assessment_sheet", args=[passed_to_county.pk])
    assert login(village_operator).get(url).status_code == 200


def test_it_answers_404_to_another_township_and_records_the_denial(
    passed_to_county, other_township_officer, login
):
    url = reverse("reports:assessment_sheet_pdf", args=[passed_to_county.pk])
    assert login(other_township_officer).get(url).status_code == 404
    denial = AuditEvent.objects.filter(action="access.denied", result=Result.DENIED).last()
    assert denial.actor == other_township_officer


def test_it_answers_404_for_an_unknown_assessment(county_officer, login):
    url = reverse("reports:assessment_sheet", args=[999999])
    assert login(county_officer).get(url).status_code == 404
    assert AuditEvent.objects.filter(action="access.denied", object_id="999999").exists()


def test_it_sends_anonymous_visitors_to_the_login_page(passed_to_county, client):
    url = reverse("reports:assessment_sheet_pdf", args=[passed_to_county.pk])
    response = client.get(url)
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_it_renders_the_sheet_as_a4_landscape_pdf_with_embedded_fonts(
    passed_to_county, county_officer, login
):
    response = login(county_officer).get(
        reverse("reports:assessment_sheet_pdf", args=[passed_to_county.pk])
    )
    assert response["Content-Type"] == "application/pdf"
    assert page_sizes(response.content) == {(842, 595)}
    assert any("CJK" in name for name in embedded_font_names(response.content))


@needs_pdftotext
def test_it_puts_the_unit_title_and_scores_in_the_pdf_text(
    passed_to_county, county_officer, login, tree
):
    response = login(county_officer).get(
        reverse("reports:assessment_sheet_pdf", args=[passed_to_county.pk])
    )
    text = pdf_text(response.content)
    assert tree.village_1.name in text
    assert re.sub(r"\s+", "", str(passed_to_county.get_title_display())) in text
    assert "村协会有会员名册和台账" in text
    # Item 3's row: its self score 40, township 35, gap 15.
    assert "40" in text and "35" in text and "15" in text
    assert "85" in text and "90" in text


def test_it_marks_the_items_returned_for_change(passed_to_county, county_officer):
    item_1 = passed_to_county.standard.sections.get(position=0).items.get(position=0)
    do_return(county_officer, passed_to_county, reason="第1条材料不全", items=[item_1.pk])
    passed_to_county.refresh_from_db()
    rows = [r for block in assessment_sheet(passed_to_county).sections for r in block.rows]
    assert [r.item for r in rows if r.reopened] == [item_1]


def _paper(response) -> str:
    html = response.content.decode()
    return html[html.index('<div class="paper">') :]


def test_the_printed_forms_use_chinese_punctuation_in_chinese_only(
    passed_to_county, county_officer, login
):
    """The paper forms wrote （）、：and ＿＿年＿＿月＿＿日 around English words too."""
    client = login(county_officer)
    urls = [
        reverse("reports:assessment_sheet", args=[passed_to_county.pk]),
        reverse("reports:approval_form", args=[passed_to_county.pk]),
    ]
    chinese = [_paper(client.get(url)) for url in urls]
    assert "单位：" in chinese[0] and "单位：" in chinese[1]
    assert "＿＿年＿＿月＿＿日" in chinese[1]
    client.cookies["django_language"] = "en"
    english = [_paper(client.get(url)) for url in urls]
    for page in english:
        assert "Unit:" in page
        # Full-width marks next to digits or English words (names may keep their own).
        assert not re.search(r"[（，：]\s*\d|\d\s*）|[A-Za-z)][（），：]", page)
    assert "＿＿年" not in english[1] and "____-__-__" in english[1]
