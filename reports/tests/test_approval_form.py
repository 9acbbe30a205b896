"""The printable and PDF 验收审批表: the unit's figures from the registers, each level's opinion."""

import re
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from registers.models import AssociationProfile, Member, MemberStatus, Post, PostKind
from reports.selectors import approval_form
from reports.tests.conftest import needs_pdftotext, pdf_text


@pytest.fixture
def registers(tree):
    """Three active members (one moved away), a president and a council member, a profile."""
    members = [
        Member.objects.create(unit=tree.village_1, group=tree.group_1, name=name)
        for name in ("王秀兰", "李建华", "张桂芳")
    ]
    Member.objects.create(unit=tree.village_1, name="赵强", status=MemberStatus.MOVED)
    Post.objects.create(
        unit=tree.village_1,
        kind=PostKind.PRESIDENT,
        member=members[0],
        holder_name="王秀兰",
        start_date=date(2021, 3, 1),
    )
    Post.objects.create(
        unit=tree.village_1,
        kind=PostKind.COUNCIL_MEMBER,
        member=members[1],
        holder_name="李建华",
        start_date=date(2021, 3, 1),
    )
    AssociationProfile.objects.create(
        unit=tree.village_1,
        year=2026,
        has_venue=True,
        venue_area=Decimal("80"),
        funds_village_committee=Decimal("3000"),
    )


def _facts(assessment) -> dict[str, object]:
    return {str(f.label): f.value for f in approval_form(assessment).facts}


def test_it_counts_members_council_and_groups_from_the_registers(passed_to_county, registers):
    facts = list(_facts(passed_to_county).values())
    population, council, groups, members = facts[:4]
    assert "2400" in population
    assert council == "2"
    # Two own groups, and the urban branch's group whose home village this is.
    assert groups.startswith("2") and "1" in groups[1:]
    assert members == "3"


def test_it_takes_venue_and_funds_from_the_years_profile(passed_to_county, registers):
    form = approval_form(passed_to_county)
    values = [f.value or "" for f in form.facts]
    assert any("3,000.00" in v for v in values)
    assert any("80" in v for v in values)
    assert any("王秀兰" in v for v in values)


def test_it_leaves_what_the_system_does_not_hold_visibly_blank(passed_to_county):
    blanks = [f for f in approval_form(passed_to_county).facts if f.value is None]
    # Per-capita income, the family-planning status, and (without a profile for the year) venue
    # and funds. The line for births outside the policy is gone: it no longer fits current policy.
    assert len(blanks) == 4
    assert all(f.note for f in blanks)


def test_it_gives_each_levels_opinion_with_signer_and_date(passed_to_county, township_officer):
    village, township, county = approval_form(passed_to_county).opinions
    assert village.reached and village.date is not None
    assert township.signer == township_officer.get_username()
    assert any("同意上报县协会" in line for line in township.lines)
    assert any("验收合格" in line for line in township.lines)
    # Waiting at the county: no word from it yet.
    assert county.reached and county.lines == [] and county.date is None


def test_it_names_the_inspectors(passed_to_county, township_officer):
    assert approval_form(passed_to_county).inspectors == [township_officer.get_username()]


def test_it_prints_the_form_page(passed_to_county, registers, county_officer, login, tree):
    response = login(county_officer).get(
        reverse("reports:approval_form", args=[passed_to_county.pk])
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert tree.village_1.name in text and "验收合格" in text
    assert reverse("reports:approval_form_pdf", args=[passed_to_county.pk]) in text


def test_it_answers_404_to_the_other_county(passed_to_county, outsider, login):
    url = reverse("reports:approval_form_pdf", args=[passed_to_county.pk])
    assert login(outsider).get(url).status_code == 404


@needs_pdftotext
def test_it_puts_unit_title_figures_and_opinions_in_the_pdf_text(
    passed_to_county, registers, county_officer, login, tree
):
    response = login(county_officer).get(
        reverse("reports:approval_form_pdf", args=[passed_to_county.pk])
    )
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    assert tree.village_1.name in text
    assert re.sub(r"\s+", "", str(passed_to_county.get_title_display())) in text
    assert "2400" in text and "3,000.00" in text and "验收合格" in text
    assert "85" in text
