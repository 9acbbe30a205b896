"""The progress report's file name is Chinese in a Chinese session (it read
“青溪县-progress report-2026.xlsx”)."""

from urllib.parse import unquote

from django.urls import reverse

from reports.tests import test_progress_report

campaign = test_progress_report.campaign
titles = test_progress_report.titles


def test_it_names_the_excel_report_in_chinese(login, township_officer, tree, titles):
    response = login(township_officer).get(
        reverse("reports:progress_xlsx", args=[tree.township_1.pk]) + "?year=2027"
    )
    disposition = unquote(response["Content-Disposition"])
    assert f"{tree.township_1.name}-工作进展情况报告-2027.xlsx" in disposition
    assert "progress report" not in disposition
