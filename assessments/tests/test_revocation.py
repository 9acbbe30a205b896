"""Revoking a title: a reason is required, only the deciding level (the county for a
township's decision) may revoke, the history is kept, and a failed spot check revokes."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from assessments import group_ratings as groups
from assessments.models import AwardedTitle, RevocationCause, TitleStatus
from assessments.services import (
    can_revoke,
    do_decide,
    do_draw_spot_check,
    do_record_inspection,
    do_revoke_title,
)
from assessments.tests.helpers import chain_to_last_stage, entries
from audit.models import AuditEvent
from standards.models import TitleKind

pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def title(tree, round_2026, chain_personas):
    assessment = chain_to_last_stage(round_2026, tree.village_1, chain_personas)
    do_decide(chain_personas.county, assessment, award=True)
    return AwardedTitle.objects.get(assessment=assessment)


def test_it_needs_a_reason_and_a_cause(title, county_officer):
    with pytest.raises(ValidationError, match="Say why"):
        do_revoke_title(county_officer, title, cause=RevocationCause.REINSPECTION, reason=" ")
    with pytest.raises(ValidationError, match="cause"):
        do_revoke_title(county_officer, title, cause="whim", reason="理由")
    title.refresh_from_db()
    assert title.status == TitleStatus.AWARDED


def test_it_keeps_the_title_with_who_when_and_why(title, county_officer):
    do_revoke_title(county_officer, title, cause=RevocationCause.REINSPECTION, reason="复查不合格")
    title.refresh_from_db()
    assert title.status == TitleStatus.REVOKED
    assert (title.revoked_by, title.revocation_cause) == (county_officer, "reinspection")
    assert title.revoked_at is not None and title.awarded_at is not None
    event = AuditEvent.objects.get(action="title.revoke", object_id=str(title.pk))
    assert event.before == {"status": "awarded"}
    assert event.after["reason"] == "复查不合格"


def test_it_refuses_to_revoke_twice(title, county_officer):
    do_revoke_title(county_officer, title, cause=RevocationCause.VETO, reason="一票否决")
    with pytest.raises(ValidationError, match="in force"):
        do_revoke_title(county_officer, title, cause=RevocationCause.VETO, reason="again")


@pytest.mark.parametrize(
    "persona",
    ["village_operator", "township_officer", "outsider", "leader", "city_reviewer"],
)
def test_it_refuses_a_revocation_by_anyone_but_the_deciding_level(request, title, persona):
    user = request.getfixturevalue(persona)
    assert not can_revoke(user, title)
    with pytest.raises(PermissionDenied):
        do_revoke_title(user, title, cause=RevocationCause.OTHER, reason="越权")
    title.refresh_from_db()
    assert title.status == TitleStatus.AWARDED


def _group_title_decided_by_the_township(round_, village, personas):
    """Groups are rated on their own footing: the village rates them, the township decides."""
    groups.do_open_group_ratings(personas.village, round_, village)
    ratings = list(groups.group_rules.group_ratings_of(round_, village).order_by("pk"))
    groups.do_rate_groups(personas.village, round_, village, {r.pk: entries(r) for r in ratings})
    groups.do_submit_group_ratings(personas.village, round_, village)
    decisions = {r.pk: (True, "") for r in ratings}
    groups.do_decide_group_ratings(personas.township, round_, village, decisions)
    return AwardedTitle.objects.filter(title=TitleKind.FIVE_GOOD_GROUP, year=round_.year).first()


def test_it_lets_the_county_revoke_a_five_good_title_the_township_verified(
    title, tree, round_2026, chain_personas, county_officer, township_officer
):
    group_title = _group_title_decided_by_the_township(round_2026, tree.village_1, chain_personas)
    assert not can_revoke(township_officer, group_title)
    do_revoke_title(county_officer, group_title, cause=RevocationCause.REINSPECTION, reason="复查")
    group_title.refresh_from_db()
    assert group_title.status == TitleStatus.REVOKED


def test_it_revokes_after_a_failed_spot_check(title, round_2026, county_officer):
    check = do_draw_spot_check(
        county_officer, round_2026, TitleKind.QUALIFIED_VILLAGE, count=1, seed=1
    )
    entry = check.entries.get()
    do_record_inspection(county_officer, entry, passed=False, reason="活动记录造假")
    title.refresh_from_db()
    assert (title.status, title.revocation_cause) == (TitleStatus.REVOKED, "spot_check")
    assert title.revoked_by == county_officer
