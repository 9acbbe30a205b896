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
    bulk = Assessment.objects.filter(round__year__in=[2024, 2025], parent=None)
    assert {str(pk) for pk in bulk.values_list("pk", flat=True)} <= recorded
    assert AuditEvent.objects.filter(action=BULK_LOAD_ACTION).count() == 1


def test_it_writes_every_column_of_the_rows_it_inserts_directly():
    """The history's scores and transitions bypass the ORM: a new column must be added there."""
    for model, columns in ((Score, SCORE_COLUMNS), (Transition, TRANSITION_COLUMNS)):
        fields = {f.name for f in model._meta.concrete_fields} - {"id"}
        assert fields == set(columns), model
