"""The one rule of who holds which title in a year (动态管理), over a table of cases, then through
the services that feed it: awards, closed yearly ratings, revocations, carried-in titles and a
standard's validity in years."""

import pytest
from django.core.exceptions import ValidationError

from assessments import standing
from assessments.carried import do_carry_in_title
from assessments.models import AwardedTitle, Round, RoundTitle
from assessments.services import (
    do_close_round,
    do_revoke_title,
    due_for_rerating,
    prerequisite_met,
)
from assessments.standing import AWARDED, CARRIED_IN, HELD, LAPSED, REVOKED, TitleRow
from audit.models import AuditEvent
from campaigns.tests.test_rollups import award, close_round
from standards.models import Standard, TitleKind

NEVER_CLOSED = frozenset()


def held(rows, years, closed_years=NEVER_CLOSED):
    return sorted(standing.held_years(rows, years, lambda y: y in closed_years))


YEARS = range(2020, 2029)

CASES = [
    # (case, rows, years whose rating closed, years held)
    ("award", [TitleRow(1, 2024)], set(), [2024, 2025, 2026, 2027, 2028]),
    ("award, next ratings closed", [TitleRow(1, 2024)], {2024, 2025}, [2024]),
    (
        "re-award keeps it",
        [TitleRow(1, 2024), TitleRow(2, 2025)],
        {2024, 2025, 2026},
        [2024, 2025],
    ),
    ("failed re-rating lapses", [TitleRow(1, 2024)], {2025}, [2024]),
    ("open rating carries on", [TitleRow(1, 2024)], {2026}, [2024, 2025]),
    (
        "revoked newest, older present",
        [TitleRow(1, 2023), TitleRow(2, 2025, revoked_from=2025)],
        set(),
        [2023, 2024],
    ),
    (
        "revoked from a later year",
        [TitleRow(1, 2023, revoked_from=2025)],
        set(),
        [2023, 2024],
    ),
    (
        "re-awarded after a revocation",
        [TitleRow(1, 2023, revoked_from=2023), TitleRow(2, 2026)],
        set(),
        [2026, 2027, 2028],
    ),
    ("carried-in title", [TitleRow(1, 2019, carried_in=True)], {2022}, [2020, 2021]),
    (
        "validity in years ignores the yearly rating",
        [TitleRow(1, 2024, valid_years=3)],
        {2025, 2026, 2027},
        [2024, 2025, 2026],
    ),
    (
        "validity ended by a revocation",
        [TitleRow(1, 2024, valid_years=3, revoked_from=2025)],
        set(),
        [2024],
    ),
]


@pytest.mark.parametrize(("case", "rows", "closed", "expected"), CASES, ids=[c[0] for c in CASES])
def test_it_applies_the_rule_to_each_case(case, rows, closed, expected):
    assert held(rows, YEARS, closed) == expected


def test_it_explains_each_year_of_the_timeline():
    rows = [
        TitleRow(1, 2020, carried_in=True),
        TitleRow(2, 2022),
        TitleRow(3, 2024, revoked_from=2024),
    ]
    events = [(s.year, s.event) for s in standing.steps(rows, 2025, lambda y: y == 2023)]
    assert events == [
        (2020, CARRIED_IN),
        (2021, HELD),
        (2022, AWARDED),
        (2023, LAPSED),
        (2024, REVOKED),
        (2025, None),
    ]


# --- through the services --------------------------------------------------------------------


def holds(unit, title, year) -> bool:
    return AwardedTitle.objects.filter(unit=unit, title=title).held_in(year).exists()


def test_it_lapses_a_title_the_closed_yearly_rating_did_not_keep(tree):
    award(tree.village_1, TitleKind.QUALIFIED_VILLAGE, 2024)
    award(tree.village_2, TitleKind.QUALIFIED_VILLAGE, 2024)
    award(tree.village_2, TitleKind.QUALIFIED_VILLAGE, 2025)
    assert holds(tree.village_1, TitleKind.QUALIFIED_VILLAGE, 2025)
    close_round(tree.county_a, 2025)
    assert not holds(tree.village_1, TitleKind.QUALIFIED_VILLAGE, 2025)
    assert holds(tree.village_1, TitleKind.QUALIFIED_VILLAGE, 2024)
    assert holds(tree.village_2, TitleKind.QUALIFIED_VILLAGE, 2025)


def test_it_does_not_let_an_older_title_stand_in_for_a_revoked_one(tree, county_officer):
    award(tree.village_1, TitleKind.QUALIFIED_VILLAGE, 2023)
    newest = award(tree.village_1, TitleKind.QUALIFIED_VILLAGE, 2025)
    do_revoke_title(county_officer, newest, cause="spot_check", reason="抽查不合格")
    assert not holds(tree.village_1, TitleKind.QUALIFIED_VILLAGE, 2025)
    assert not holds(tree.village_1, TitleKind.QUALIFIED_VILLAGE, 2026)
    assert holds(tree.village_1, TitleKind.QUALIFIED_VILLAGE, 2024)


def test_it_ends_a_revoked_title_from_its_effective_year(tree, county_officer):
    title = award(tree.village_1, TitleKind.QUALIFIED_VILLAGE, 2023)
    do_revoke_title(county_officer, title, cause="veto", reason="复查发现问题", effective_year=2025)
    assert holds(tree.village_1, TitleKind.QUALIFIED_VILLAGE, 2024)
    assert not holds(tree.village_1, TitleKind.QUALIFIED_VILLAGE, 2025)


def test_it_refuses_a_revocation_before_the_titles_year(tree, county_officer):
    title = award(tree.village_1, TitleKind.QUALIFIED_VILLAGE, 2023)
    with pytest.raises(ValidationError):
        do_revoke_title(county_officer, title, cause="other", reason="x", effective_year=2020)


def test_it_counts_a_carried_in_title_and_lets_it_be_revoked(tree, county_officer):
    carried, created = do_carry_in_title(
        county_officer,
        tree.village_1,
        title=TitleKind.QUALIFIED_VILLAGE,
        year=2019,
        issuer="长沙县计划生育协会",
        document_number="长计协〔2019〕5号",
    )
    assert created and carried.carried_in
    assert holds(tree.village_1, TitleKind.QUALIFIED_VILLAGE, 2026)
    do_revoke_title(county_officer, carried, cause="reinspection", reason="复查不合格")
    assert not holds(tree.village_1, TitleKind.QUALIFIED_VILLAGE, 2026)


def test_it_records_the_same_carried_in_title_once(tree, county_officer):
    first, _ = do_carry_in_title(
        county_officer, tree.village_1, title=TitleKind.QUALIFIED_VILLAGE, year=2019
    )
    again, created = do_carry_in_title(
        county_officer, tree.village_1, title=TitleKind.QUALIFIED_VILLAGE, year=2019
    )
    assert (again.pk, created) == (first.pk, False)


def test_it_refuses_a_carried_in_title_of_the_wrong_level(tree, county_officer):
    with pytest.raises(ValidationError):
        do_carry_in_title(
            county_officer, tree.group_1, title=TitleKind.QUALIFIED_VILLAGE, year=2019
        )


def test_it_lets_a_carried_in_title_satisfy_the_prerequisite(tree, county_officer):
    do_carry_in_title(county_officer, tree.village_1, title=TitleKind.QUALIFIED_VILLAGE, year=2020)
    first_class = award(tree.village_1, TitleKind.FIRST_CLASS_VILLAGE, 2026).assessment
    first_class.standard.prerequisite = TitleKind.QUALIFIED_VILLAGE
    first_class.standard.prerequisite_same_round = False
    assert prerequisite_met(first_class)


def test_it_fails_the_prerequisite_once_the_title_has_lapsed(tree):
    award(tree.village_1, TitleKind.QUALIFIED_VILLAGE, 2023)
    close_round(tree.county_a, 2024)
    first_class = award(tree.village_1, TitleKind.FIRST_CLASS_VILLAGE, 2026).assessment
    first_class.standard.prerequisite = TitleKind.QUALIFIED_VILLAGE
    first_class.standard.prerequisite_same_round = False
    assert not prerequisite_met(first_class)


def test_it_holds_a_title_with_a_validity_for_its_years(tree):
    Standard.objects.create(
        title=TitleKind.ADVANCED_TOWNSHIP, version=1, name="先进", validity_years=3
    )
    award(tree.township_1, TitleKind.ADVANCED_TOWNSHIP, 2024)
    close_round(tree.county_a, 2025)
    assert holds(tree.township_1, TitleKind.ADVANCED_TOWNSHIP, 2026)
    assert not holds(tree.township_1, TitleKind.ADVANCED_TOWNSHIP, 2027)


def test_it_lists_who_is_due_for_re_rating(tree):
    award(tree.village_1, TitleKind.QUALIFIED_VILLAGE, 2024)
    award(tree.village_2, TitleKind.QUALIFIED_VILLAGE, 2024)
    award(tree.village_2, TitleKind.QUALIFIED_VILLAGE, 2025)
    round_ = close_round(tree.county_a, 2025)
    due = due_for_rerating(round_)
    assert due[TitleKind.QUALIFIED_VILLAGE] == sorted(
        [tree.village_1, tree.village_2], key=lambda v: (v.township.name, v.division_code, v.name)
    )
    assert due_for_rerating(round_, reviewed=False)[TitleKind.QUALIFIED_VILLAGE] == [tree.village_1]


def test_it_closes_a_round_once(tree, county_officer):
    round_ = close_round(tree.county_a, 2025)
    events = AuditEvent.objects.count()
    do_close_round(county_officer, round_)  # closing again changes nothing and records nothing
    assert AuditEvent.objects.count() == events
    assert Round.objects.get(pk=round_.pk).status == "closed"
    assert RoundTitle.objects.filter(round=round_).count() == len(TitleKind.values)
