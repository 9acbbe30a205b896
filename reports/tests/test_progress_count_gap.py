"""The Excel progress report's summary shows a count target's gap as a count: the 先进乡镇 row
read 差距 “1%” for one township still to go."""

import pytest

from reports.tests import test_progress_report
from reports.tests.test_progress_report import download, sheets

pytestmark = pytest.mark.django_db

campaign = test_progress_report.campaign


def test_it_shows_the_advanced_townships_gap_as_a_count(login, county_officer, tree, campaign):
    campaign.advanced_townships = 1
    campaign.save()
    summary = sheets(download(login(county_officer), tree.county_a, "xlsx"))["概况"]
    row = next(r for r in summary if r[0] == "先进乡镇")
    assert str(row[4]) == "1"  # was "1%"
