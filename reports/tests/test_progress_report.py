"""The progress report of a node and year: xlsx sheets per level, a Chinese PDF with its charts,
access-scoped like the dashboards."""

import io
import re
import shutil
import subprocess

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from assessments.models import AwardedTitle
from audit.models import AuditEvent
from campaigns import rollups
from campaigns.models import Campaign
from reports import progress
from reports.tests.conftest import embedded_font_names, needs_pdftotext, pdf_text
from reports.tests.pdf_pages import page_info
from standards.models import TitleKind

YEAR = 2027


@pytest.fixture
def campaign(tree):
    return Campaign.objects.create(
        organiser=tree.county_a, name="三联创 2026—2030", first_year=2026, last_year=2030
    )


def award(unit, title: str, year: int) -> AwardedTitle:
    return AwardedTitle.objects.create(unit=unit, title=title, year=year, awarded_at=timezone.now())


@pytest.fixture
def titles(tree, campaign):
    """青山镇: 李家村 qualified in 2026 and first-class in 2027, its two groups five-good."""
    award(tree.village_1, TitleKind.QUALIFIED_VILLAGE, 2026)
    award(tree.village_1, TitleKind.FIRST_CLASS_VILLAGE, 2027)
    award(tree.group_1, TitleKind.FIVE_GOOD_GROUP, 2026)
    award(tree.group_2, TitleKind.FIVE_GOOD_GROUP, 2027)
    rollups.rebuild()


def download(client, unit, kind: str, **params):
    return client.get(reverse(f"reports:progress_{kind}", args=[unit.pk]), {"year": YEAR, **params})


def sheets(response) -> dict[str, list[tuple]]:
    book = load_workbook(io.BytesIO(response.content), read_only=True)
    return {ws.title: [r for r in ws.iter_rows(values_only=True)] for ws in book.worksheets}


def test_it_writes_one_sheet_per_level_below_the_node(login, county_officer, tree, titles):
    response = download(login(county_officer), tree.county_a, "xlsx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert list(sheets(response)) == ["概况", "乡镇(街道)", "村(居)"]


def test_it_holds_the_townships_figures(login, county_officer, tree, titles):
    townships = sheets(download(login(county_officer), tree.county_a, "xlsx"))["乡镇(街道)"]
    by_name = {row[0]: row for row in townships[2:]}
    assert set(by_name) == {"青山镇", "河口乡", "城关分会"}
    qingshan = by_name["青山镇"]
    # groups, five-good, share, villages, qualified, first-class, qualified-or-better share
    assert qingshan[3:10] == (2, 2, "100.0%", 2, 0, 1, "50.0%")


def test_it_holds_every_village_with_its_township(login, county_officer, tree, titles):
    villages = sheets(download(login(county_officer), tree.county_a, "xlsx"))["村(居)"]
    rows = {row[0]: row for row in villages[2:]}
    assert set(rows) == {"李家村", "王庄村", "张湾村"}
    assert rows["李家村"][1] == "青山镇" and rows["李家村"][8] == 1


def test_it_states_each_target_on_the_summary(login, county_officer, tree, titles):
    summary = sheets(download(login(county_officer), tree.county_a, "xlsx"))["概况"]
    assert summary[0][0] == "长沙县：2027年三联创进展"
    first_class = next(row for row in summary if row[0].startswith("一流村"))
    assert "占全部村" in first_class[0] and first_class[1] == "1/3" and first_class[2] == "33.3%"


def test_it_formats_the_sheets_for_printing(tree, campaign, titles):
    report = progress.build(tree.county_a, YEAR, campaign)
    book = load_workbook(io.BytesIO(progress.workbook(report)))
    sheet = book["乡镇(街道)"]
    assert sheet.page_setup.orientation == "landscape"
    assert sheet.print_title_rows == "$2:$2"
    assert sheet.column_dimensions["A"].width > 15


def test_it_gives_a_township_officer_only_their_township(login, township_officer, tree, titles):
    client = login(township_officer)
    response = download(client, tree.township_1, "xlsx")
    found = sheets(response)
    assert list(found) == ["概况", "村(居)", "协会小组"]
    names = {row[0] for sheet in found.values() for row in sheet[2:]}
    assert {"李家村", "王庄村", "第一小组"} <= names
    for other in ("河口乡", "张湾村", "城关分会", "长沙县"):
        assert all(other not in str(row) for sheet in found.values() for row in sheet)
    assert download(client, tree.county_a, "xlsx").status_code == 404
    assert download(client, tree.township_2, "pdf").status_code == 404


def test_it_answers_404_outside_the_subtree_and_records_it(login, outsider, tree, campaign):
    assert download(login(outsider), tree.county_a, "pdf").status_code == 404
    assert AuditEvent.objects.filter(action="access.denied", actor_id=outsider.pk).exists()


def test_it_answers_404_without_a_campaign(login, outsider, tree):
    assert download(login(outsider), tree.county_b, "xlsx").status_code == 404


@needs_pdftotext
def test_it_prints_the_names_and_figures_in_the_pdf(login, county_officer, tree, titles):
    response = download(login(county_officer), tree.county_a, "pdf")
    assert response.status_code == 200
    text = pdf_text(response.content)
    for name in ("长沙县", "青山镇", "河口乡", "李家村", "张湾村"):
        assert name in text
    assert "1/3" in text and "33.3%" in text and "50.0%" in text


@needs_pdftotext
def test_it_prints_landscape_a4(tree, campaign, titles):
    report = progress.build(tree.county_a, YEAR, campaign)
    assert page_info(progress.render(report, "pdf"))[1] == {(842, 595)}


def test_it_draws_the_charts_as_svg(tree, campaign, titles):
    report = progress.build(tree.county_a, YEAR, campaign)
    html = render_to_string("reports/progress_pdf.html", progress.pdf_context(report))
    assert html.count("<svg") == 2
    assert "青山镇</text>" in html


def test_it_draws_the_chart_labels_in_the_simplified_chinese_font(tree, campaign, titles):
    # WeasyPrint's SVG renderer does not read the page's CSS: named only there, the charts'
    # labels fell back to DejaVu Sans and Noto Sans CJK JP (Japanese glyph forms).
    report = progress.build(tree.county_a, YEAR, campaign)
    names = embedded_font_names(progress.render(report, "pdf"))
    assert names and all("Noto-Sans-CJK-SC" in name for name in names), names


def test_it_sizes_every_column_of_the_level_tables(tree, campaign, titles):
    # The long tables are laid out at their given column widths (table-layout: fixed) rather
    # than measured cell by cell: a column without its <col> would take a share of what is left.
    report = progress.build(tree.county_a, YEAR, campaign)
    html = render_to_string("reports/progress_pdf.html", progress.pdf_context(report))
    tables = re.findall(r'<table class="report levels">(.*?)</table>', html, re.S)
    assert len(tables) == len(report.levels) == 2
    for table in tables:
        assert len(re.findall(r"<col ", table)) == len(progress.level_headers())


@needs_pdftotext
def test_it_prints_every_units_row_in_the_pdf(tree, campaign, titles):
    report = progress.build(tree.county_a, YEAR, campaign)
    pdf = progress.render(report, "pdf")
    # pdftotext -layout keeps a table row on one line, its cells in order.
    text = subprocess.run(
        [shutil.which("pdftotext"), "-layout", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()
    lines = [line.split() for line in text.splitlines()]
    rows = [cells for table in report.levels for cells in table.cells]
    assert len(rows) == progress.size_of(tree.county_a)
    for cells in rows:
        assert [str(cell) for cell in cells if cell != ""] in lines


def test_it_links_the_downloads_from_the_report_page(login, county_officer, tree, titles):
    response = login(county_officer).get(reverse("reports:progress", args=[tree.county_a.pk]))
    html = response.content.decode()
    assert reverse("reports:progress_pdf", args=[tree.county_a.pk]) in html
    assert reverse("reports:progress_xlsx", args=[tree.county_a.pk]) in html


def test_it_is_linked_from_the_dashboard(login, leader, tree, titles):
    board = reverse("dashboards:unit", args=[tree.county_a.pk])
    html = login(leader).get(board, {"year": 2027}).content.decode()
    assert reverse("reports:progress", args=[tree.county_a.pk]) + "?year=2027" in html


def test_it_tabulates_a_villages_groups(login, village_operator, tree, titles):
    found = sheets(download(login(village_operator), tree.village_1, "xlsx"))
    assert list(found) == ["概况", "协会小组"]
    assert [row[0] for row in found["协会小组"][2:]] == ["第一小组", "第二小组"]


@needs_pdftotext
def test_it_prints_a_township_officer_only_their_township(login, township_officer, tree, titles):
    text = pdf_text(download(login(township_officer), tree.township_1, "pdf").content)
    assert "青山镇" in text and "李家村" in text and "第一小组" in text
    for other in ("河口乡", "张湾村", "城关分会", "李家村进城小组"):
        assert other not in text
