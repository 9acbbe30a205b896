"""Certificates: one A4 landscape page per awarded unit, for a round and title or one title."""

import pytest
from django.urls import reverse
from django.utils import timezone

from assessments.models import AwardedTitle
from reports.tests import test_commendation
from reports.tests.conftest import needs_pdftotext, pdf_text
from reports.tests.pdf_pages import page_info

# The awarded round of the commendation list's tests.
awarded_round = test_commendation.awarded_round
QUALIFIED = test_commendation.QUALIFIED


def certificates(client, round_):
    return client.get(reverse("reports:certificates_pdf", args=[round_.pk, QUALIFIED]))


def certificate(client, title):
    return client.get(reverse("reports:certificate_pdf", args=[title.pk]))


@needs_pdftotext
def test_it_prints_one_a4_landscape_page_per_unit(login, county_officer, awarded_round):
    response = certificates(login(county_officer), awarded_round)
    assert response.status_code == 200
    assert page_info(response.content) == (2, {(842, 595)})


@needs_pdftotext
def test_it_names_unit_title_year_issuer_and_date(login, county_officer, awarded_round):
    response = certificates(login(county_officer), awarded_round)
    pages = [p for p in pdf_text_pages(response.content) if p]
    assert len(pages) == 2
    first = pages[0]
    assert "河口乡张湾村" in first and "2026" in first and "合格村(居)计生协会" in first
    assert "长沙县计划生育协会" in first and "荣誉证书" in first
    title = AwardedTitle.objects.get(unit__name="张湾村")
    day = timezone.localtime(title.awarded_at).date()
    assert f"{day.year}年{day.month}月{day.day}日" in first


@needs_pdftotext
def test_it_prints_a_single_titles_certificate(login, village_operator, awarded_round):
    title = AwardedTitle.objects.get(unit__name="李家村")
    text = pdf_text(certificate(login(village_operator), title).content)
    assert "青山镇李家村" in text and "张湾村" not in text


def test_it_refuses_a_revoked_titles_certificate(login, county_officer, awarded_round):
    title = AwardedTitle.objects.get(unit__name="王庄村")
    assert certificate(login(county_officer), title).status_code == 404


def test_it_answers_404_outside_the_subtree(login, village_operator, awarded_round):
    other = AwardedTitle.objects.get(unit__name="张湾村")
    assert certificate(login(village_operator), other).status_code == 404


def test_it_answers_404_when_no_unit_holds_the_title(login, outsider, tree, awarded_round):
    assert certificates(login(outsider), awarded_round).status_code == 404


def pdf_text_pages(pdf: bytes) -> list[str]:
    """Each page's text (pdftotext separates pages with a form feed)."""
    import re
    import shutil
    import subprocess

    result = subprocess.run(
        [shutil.which("pdftotext"), "-", "-"], input=pdf, capture_output=True, check=True
    )
    return [re.sub(r"\s+", "", page) for page in result.stdout.decode().split("\f")]


pytestmark = pytest.mark.django_db


def test_it_is_linked_from_the_units_titles(login, county_officer, tree, awarded_round):
    html = login(county_officer).get(reverse("orgs:unit", args=[tree.village_1.pk]))
    title = AwardedTitle.objects.get(unit=tree.village_1)
    revoked = AwardedTitle.objects.get(unit=tree.village_2)
    assert reverse("reports:certificate_pdf", args=[title.pk]) in html.content.decode()
    other = login(county_officer).get(reverse("orgs:unit", args=[tree.village_2.pk]))
    assert reverse("reports:certificate_pdf", args=[revoked.pk]) not in other.content.decode()
