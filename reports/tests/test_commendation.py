"""The commendation list (表彰名单) of a round and title: xlsx and PDF, the round's units not
revoked, scoped to what the reader may see."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from assessments.models import AwardedTitle, RevocationCause
from assessments.services import (
    ScoreInput,
    do_apply,
    do_create_round,
    do_decide,
    do_revoke_title,
    do_save_scores,
    do_submit,
)
from assessments.tests.conftest import make_standard
from audit.models import AuditEvent
from orgs.models import Level
from reports.tests.conftest import needs_pdftotext, pdf_text
from standards.models import Item, StageKind, TitleKind

QUALIFIED = TitleKind.QUALIFIED_VILLAGE


def _score_all(actor, assessment) -> None:
    items = Item.objects.filter(section__standard=assessment.standard)
    do_save_scores(actor, assessment, [ScoreInput(item_id=i.pk, points=i.points) for i in items])


@pytest.fixture
def awarded_round(tree, county_officer, village_operator, township_officer, other_township_officer):
    """长沙县's 2026 round: 李家村 (青山镇) and 张湾村 (河口乡) accepted as qualified by their
    townships; 王庄村 accepted too, then revoked after a spot check."""
    from accounts.models import RoleKind
    from accounts.services import do_create_user, do_grant_role
    from conftest import PASSWORD

    standard = make_standard(
        QUALIFIED,
        [("组织健全", 100, None, [("1", 100, False)])],
        [
            (StageKind.SELF_ASSESSMENT, Level.VILLAGE, False),
            (StageKind.ACCEPTANCE, Level.TOWNSHIP, False),
        ],
        pass_total=60,
    )
    round_, _ = do_create_round(
        county_officer,
        tree.county_a,
        year=2026,
        name="2026年度评估",
        standards={QUALIFIED: standard},
    )
    for village, township in (
        (tree.village_1, township_officer),
        (tree.village_2, township_officer),
        (tree.village_3, other_township_officer),
    ):
        operator = village_operator
        if village != tree.village_1:
            operator = do_create_user(None, username=f"op{village.pk}", password=PASSWORD)
            do_grant_role(None, operator, village, RoleKind.VILLAGE_OPERATOR)
        assessment = do_apply(operator, round_, QUALIFIED, village)
        _score_all(operator, assessment)
        do_submit(operator, assessment)
        _score_all(township, assessment)
        do_decide(township, assessment, award=True)
    revoked = AwardedTitle.objects.get(unit=tree.village_2)
    do_revoke_title(county_officer, revoked, cause=RevocationCause.SPOT_CHECK, reason="抽查不合格")
    return round_


def url(name: str, round_, title: str = QUALIFIED) -> str:
    return reverse(f"reports:{name}", args=[round_.pk, title])


def rows_of(response) -> list[tuple]:
    book = load_workbook(io.BytesIO(response.content), read_only=True)
    return list(book.worksheets[0].iter_rows(values_only=True))


def test_it_lists_the_rounds_units_in_the_xlsx(login, county_officer, awarded_round):
    response = login(county_officer).get(url("commendation_xlsx", awarded_round))
    assert response.status_code == 200
    rows = rows_of(response)
    assert rows[0][0] == "长沙县计划生育协会2026年度合格村(居)协会表彰名单"
    names = [row[1:3] for row in rows[2:]]
    assert names == [("河口乡张湾村", "河口乡"), ("青山镇李家村", "青山镇")]
    assert rows[2][0] == 1 and rows[3][0] == 2


def test_it_leaves_out_a_revoked_title(login, county_officer, awarded_round):
    rows = rows_of(login(county_officer).get(url("commendation_xlsx", awarded_round)))
    assert all("王庄村" not in str(row) for row in rows)


@needs_pdftotext
def test_it_prints_the_list_as_pdf(login, county_officer, awarded_round):
    response = login(county_officer).get(url("commendation_pdf", awarded_round))
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    assert "表彰名单" in text and "青山镇李家村" in text and "河口乡张湾村" in text
    assert "王庄村" not in text


def test_it_shows_a_township_officer_only_their_villages(login, township_officer, awarded_round):
    rows = rows_of(login(township_officer).get(url("commendation_xlsx", awarded_round)))
    names = [row[1] for row in rows[2:]]
    assert names == ["青山镇李家村"]


def test_it_answers_404_to_an_outsider_and_records_it(login, outsider, awarded_round):
    assert login(outsider).get(url("commendation_pdf", awarded_round)).status_code == 404
    assert AuditEvent.objects.filter(action="access.denied", actor_id=outsider.pk).exists()


def test_it_answers_404_for_a_title_the_round_does_not_award(login, county_officer, awarded_round):
    client = login(county_officer)
    assert client.get(url("commendation_xlsx", awarded_round, "no_such")).status_code == 404
    response = client.get(url("commendation_xlsx", awarded_round, TitleKind.ADVANCED_TOWNSHIP))
    assert response.status_code == 404


def test_it_links_the_downloads_from_the_round_page(login, county_officer, awarded_round):
    html = login(county_officer).get(reverse("assessments:round", args=[awarded_round.pk]))
    html = html.content.decode()
    for name in ("commendation_xlsx", "commendation_pdf", "certificates_pdf"):
        assert url(name, awarded_round) in html
