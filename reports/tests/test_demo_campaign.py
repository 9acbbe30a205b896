"""sanlian.demo.assessments: the demo campaign's decided rounds and the current one in progress,
built on the small base tree with the personas standing in for the demo accounts."""

import pytest

from assessments.models import (
    Assessment,
    AssessmentState,
    AwardedTitle,
    Round,
    Score,
    TitleStatus,
    Transition,
)
from assessments.selectors import assessments_for_user, waiting_for
from audit.models import AuditEvent
from audit.services import verify_chain
from sanlian.demo.assessment_parts import (
    BULK_LOAD_ACTION,
    GROUPS_HISTORY_ACTION,
    HISTORY_ACTION,
    SCORE_COLUMNS,
    TRANSITION_COLUMNS,
    DemoUnits,
)
from sanlian.demo.assessments import build_demo_assessments
from standards.models import TitleKind


@pytest.fixture
def accounts(
    county_officer,
    city_reviewer,
    township_officer,
    other_township_officer,
    village_operator,
    leader,
    administrator,
):
    return {
        "county": county_officer,
        "city": city_reviewer,
        "township1": township_officer,
        "township2": other_township_officer,
        "village1": village_operator,
        "leader": leader,
        "admin": administrator,
    }


@pytest.fixture
def campaign(tree, accounts):
    units = DemoUnits(
        city=tree.city,
        county=tree.county_a,
        township1=tree.township_1,
        township2=tree.township_2,
        village1=tree.village_1,
    )
    return build_demo_assessments(units, accounts, seed=319)


def _fresh(user):
    # The access helper caches roles on the user object; the personas are reused.
    user._sanlian_roles = None
    return user


def test_it_leaves_work_waiting_for_every_acting_account(campaign, accounts):
    idle = [
        name
        for name in ("county", "city", "township1", "township2", "village1")
        if not waiting_for(_fresh(accounts[name]))
    ]
    assert idle == []


def test_it_shows_the_leader_and_the_admin_open_applications_at_every_stage(campaign, accounts):
    for name in ("leader", "admin"):
        open_ = assessments_for_user(_fresh(accounts[name])).filter(
            state=AssessmentState.OPEN, parent__isnull=True
        )
        assert set(open_.values_list("stage", flat=True)) == {0, 1, 2}, name


def test_it_returns_village1s_application_for_two_items(campaign, tree):
    returned = Assessment.objects.get(round__year=2026, unit=tree.village_1, parent=None)
    assert returned.title == TitleKind.FIRST_CLASS_VILLAGE
    assert returned.stage == 0 and len(returned.reopened_items) == 2


def test_it_decides_the_earlier_rounds(campaign, tree):
    assert list(Round.objects.order_by("year").values_list("year", flat=True)) == [2024, 2025, 2026]
    held = AwardedTitle.objects.filter(year__in=[2024, 2025])
    assert held.filter(title=TitleKind.QUALIFIED_VILLAGE, unit=tree.village_1).exists()
    assert held.filter(title=TitleKind.FIVE_GOOD_GROUP).exists()
    township = held.get(title=TitleKind.ADVANCED_TOWNSHIP)
    assert (township.unit, township.year) == (tree.township_1, 2024)
    assert township.awarded_by.get_username() == "city"


def test_it_revokes_titles_that_failed_a_spot_check(campaign):
    revoked = AwardedTitle.objects.filter(status=TitleStatus.REVOKED)
    assert revoked.count() == campaign.get("revoked", 0)
    assert all(t.revocation_cause == "spot_check" for t in revoked)


def test_it_records_every_bulk_application_in_the_verifiable_audit_chain(campaign):
    assert verify_chain().ok
    recorded = set(
        AuditEvent.objects.filter(action=HISTORY_ACTION).values_list("object_id", flat=True)
    )
    bulk = Assessment.objects.filter(round__year__in=[2024, 2025]).exclude(
        title=TitleKind.FIVE_GOOD_GROUP
    )
    assert {str(pk) for pk in bulk.values_list("pk", flat=True)} <= recorded
    # Group ratings are recorded with their village's application, or alone for the village.
    events = AuditEvent.objects.filter(action__in=[HISTORY_ACTION, GROUPS_HISTORY_ACTION])
    rated = {unit for e in events for unit in (e.after or {}).get("group_ratings", {})}
    groups = Assessment.objects.filter(
        round__year__in=[2024, 2025], title=TitleKind.FIVE_GOOD_GROUP
    )
    assert {str(pk) for pk in groups.values_list("unit_id", flat=True)} <= rated
    assert AuditEvent.objects.filter(action=BULK_LOAD_ACTION).count() == 1


def test_it_rates_the_groups_of_every_village_on_their_own(campaign, tree):
    """Groups are rated whether or not their village applies, and one is five-good in 2024 in
    a village that was not qualified that year."""
    rated = set(
        Assessment.objects.filter(round__year=2024, title=TitleKind.FIVE_GOOD_GROUP).values_list(
            "unit_id", flat=True
        )
    )
    assert {tree.group_1.pk, tree.group_2.pk, tree.group_3.pk, tree.branch_group.pk} <= rated
    assert not Assessment.objects.filter(title=TitleKind.FIVE_GOOD_GROUP, parent__isnull=False)
    five_good = AwardedTitle.objects.filter(title=TitleKind.FIVE_GOOD_GROUP).held_in(2024)
    qualified = AwardedTitle.objects.filter(title=TitleKind.QUALIFIED_VILLAGE).held_in(2024)
    homes = {t.unit.home_village_id or t.unit.parent_id for t in five_good.select_related("unit")}
    assert homes - set(qualified.values_list("unit_id", flat=True))


def test_it_shows_a_lapse_and_a_revocation_that_stop_counting_and_verifies_the_roll_ups(
    campaign, tree
):
    from assessments import standing
    from campaigns import rollups

    revoked = AwardedTitle.objects.filter(status=TitleStatus.REVOKED).first()
    assert revoked is not None
    titles = AwardedTitle.objects.filter(unit=revoked.unit, title=revoked.title)
    assert not titles.held_in(revoked.year).exists()
    # On this small tree no village carries a 双创 title in (the whole demo's test has one
    # lapse); groups not kept by a later year's rating lapse.
    lapsed = [
        unit
        for unit in {t.unit for t in AwardedTitle.objects.select_related("unit")}
        if any(e.event == standing.LAPSED for e in standing.timeline(unit, 2026))
    ]
    assert lapsed
    # As `sanlian demo` does after the bulk history, which sends no title signals.
    rollups.refresh_subtree(tree.county_a)
    assert rollups.verify() == []


def test_it_writes_every_column_of_the_rows_it_inserts_directly():
    """The history's scores and transitions bypass the ORM: a new column must be added there."""
    for model, columns in ((Score, SCORE_COLUMNS), (Transition, TRANSITION_COLUMNS)):
        fields = {f.name for f in model._meta.concrete_fields} - {"id"}
        assert fields == set(columns), model
