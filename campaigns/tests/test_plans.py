"""Five-year creation plans: drafts, submission as new versions, approval or return."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation

from assessments.models import AwardedTitle
from audit.models import AuditEvent
from campaigns.models import CreationPlan, PlanStatus
from campaigns.services import (
    approved_version,
    do_approve_plan,
    do_create_campaign,
    do_return_plan,
    do_save_plan_draft,
    do_set_township_target,
    do_submit_plan,
    do_update_survey_entry,
    draft_years,
    plan_findings,
    plan_rows,
    township_targets,
    version_years,
)
from standards.models import TitleKind


@pytest.fixture(autouse=True)
def fast_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def english(settings):
    """The assertions read the English messages; the default language is restored after."""
    translation.activate("en")
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def campaign(tree, county_officer):
    return do_create_campaign(
        county_officer, tree.county_a, name="三联创 2026–2030", first_year=2026
    )


def _good_draft(actor, campaign, tree):
    return do_save_plan_draft(
        actor,
        campaign,
        tree.township_1,
        {tree.village_1.pk: (2026, 2028), tree.village_2.pk: (2027, None)},
    )


def test_it_saves_a_draft_and_audits_the_change(campaign, tree, township_officer):
    plan = _good_draft(township_officer, campaign, tree)
    assert draft_years(plan) == {tree.village_1.pk: (2026, 2028), tree.village_2.pk: (2027, None)}
    assert plan.status == PlanStatus.DRAFT
    event = AuditEvent.objects.get(action="campaigns.plan.save_draft")
    assert event.unit_id == tree.township_1.pk


def test_it_refuses_a_village_of_another_township(campaign, tree, township_officer):
    with pytest.raises(ValidationError):
        do_save_plan_draft(
            township_officer, campaign, tree.township_1, {tree.village_3.pk: (2026, None)}
        )


def test_it_refuses_a_year_that_is_not_a_year(campaign, tree, township_officer):
    with pytest.raises(ValidationError) as error:
        do_save_plan_draft(
            township_officer, campaign, tree.township_1, {tree.village_1.pk: ("x", None)}
        )
    assert f"q_{tree.village_1.pk}" in error.value.message_dict


def test_it_lets_only_the_townships_officer_edit(
    campaign, tree, other_township_officer, county_officer, village_operator
):
    for actor in (other_township_officer, county_officer, village_operator):
        with pytest.raises(PermissionDenied):
            _good_draft(actor, campaign, tree)


def test_it_submits_a_new_version_with_the_draft_frozen(campaign, tree, township_officer):
    _good_draft(township_officer, campaign, tree)
    version = do_submit_plan(township_officer, campaign, tree.township_1, note="请审批")
    assert (version.number, version.status, version.note) == (1, PlanStatus.SUBMITTED, "请审批")
    assert version_years(version) == {
        tree.village_1.pk: (2026, 2028),
        tree.village_2.pk: (2027, None),
    }
    assert CreationPlan.objects.get().status == PlanStatus.SUBMITTED
    assert AuditEvent.objects.filter(action="campaigns.plan.submit").count() == 1


def test_it_refuses_to_submit_a_plan_that_skips_a_step(campaign, tree, township_officer):
    do_save_plan_draft(
        township_officer, campaign, tree.township_1, {tree.village_1.pk: (None, 2027)}
    )
    with pytest.raises(ValidationError) as error:
        do_submit_plan(township_officer, campaign, tree.township_1)
    assert "递次达标" in error.value.messages[0]
    assert CreationPlan.objects.get().versions.count() == 0


def test_it_submits_with_warnings_and_keeps_them(campaign, tree, township_officer):
    do_save_plan_draft(
        township_officer, campaign, tree.township_1, {tree.village_1.pk: (2030, None)}
    )
    version = do_submit_plan(township_officer, campaign, tree.township_1)
    assert "qualified_target" in [c["code"] for c in version.checks]


def test_it_locks_the_draft_while_the_county_decides(campaign, tree, township_officer):
    _good_draft(township_officer, campaign, tree)
    do_submit_plan(township_officer, campaign, tree.township_1)
    with pytest.raises(ValidationError):
        _good_draft(township_officer, campaign, tree)
    with pytest.raises(ValidationError):
        do_submit_plan(township_officer, campaign, tree.township_1)


def test_it_is_approved_by_the_county(campaign, tree, township_officer, county_officer):
    _good_draft(township_officer, campaign, tree)
    version = do_submit_plan(township_officer, campaign, tree.township_1)
    do_approve_plan(county_officer, version)
    version.refresh_from_db()
    assert (version.status, version.decided_by) == (PlanStatus.APPROVED, county_officer)
    assert approved_version(version.plan) == version
    assert AuditEvent.objects.filter(action="campaigns.plan.approve").count() == 1


def test_it_is_not_approved_by_a_township_or_another_county(
    campaign, tree, township_officer, other_township_officer, outsider
):
    _good_draft(township_officer, campaign, tree)
    version = do_submit_plan(township_officer, campaign, tree.township_1)
    for actor in (township_officer, other_township_officer, outsider):
        with pytest.raises(PermissionDenied):
            do_approve_plan(actor, version)


def test_it_needs_a_reason_to_return(campaign, tree, township_officer, county_officer):
    _good_draft(township_officer, campaign, tree)
    version = do_submit_plan(township_officer, campaign, tree.township_1)
    with pytest.raises(ValidationError):
        do_return_plan(county_officer, version, reason="  ")
    do_return_plan(county_officer, version, reason="王庄村应提前一年合格")
    version.refresh_from_db()
    assert (version.status, version.reason) == (PlanStatus.RETURNED, "王庄村应提前一年合格")


def test_it_keeps_every_version_after_a_return_and_resubmission(
    campaign, tree, township_officer, county_officer
):
    _good_draft(township_officer, campaign, tree)
    first = do_submit_plan(township_officer, campaign, tree.township_1)
    do_return_plan(county_officer, first, reason="提前")
    do_save_plan_draft(
        township_officer, campaign, tree.township_1, {tree.village_2.pk: (2026, None)}
    )
    second = do_submit_plan(township_officer, campaign, tree.township_1)
    assert second.number == 2
    assert version_years(first)[tree.village_2.pk] == (2027, None)
    assert version_years(second)[tree.village_2.pk] == (2026, None)
    assert [v.number for v in second.plan.versions.all()] == [2, 1]
    with pytest.raises(ValidationError):
        do_approve_plan(county_officer, first)


def test_it_starts_a_new_draft_when_an_approved_plan_changes(
    campaign, tree, township_officer, county_officer
):
    _good_draft(township_officer, campaign, tree)
    version = do_submit_plan(township_officer, campaign, tree.township_1)
    do_approve_plan(county_officer, version)
    plan = do_save_plan_draft(
        township_officer, campaign, tree.township_1, {tree.village_2.pk: (2026, None)}
    )
    assert plan.status == PlanStatus.DRAFT
    assert approved_version(plan) == version


def test_it_checks_the_plan_on_the_township_s_own_targets(
    campaign, tree, township_officer, county_officer
):
    years = {tree.village_1.pk: (2026, 2028)}
    rows = plan_rows(campaign, tree.township_1, years)
    assert "qualified_target" in [f.code for f in plan_findings(campaign, tree.township_1, rows)]
    do_set_township_target(county_officer, campaign, tree.township_1, qualified_share=Decimal("50"))
    assert township_targets(campaign, tree.township_1).qualified_share == Decimal("50")
    assert township_targets(campaign, tree.township_1).first_class_share == Decimal("25")
    # Only 王庄村's missing step (全面创立) is left: the target is met.
    codes = [f.code for f in plan_findings(campaign, tree.township_1, rows)]
    assert codes == ["village_without_step"]


def test_it_counts_a_village_already_qualified_from_its_title(campaign, tree, township_officer):
    AwardedTitle.objects.create(
        unit=tree.village_2, title=TitleKind.QUALIFIED_VILLAGE, year=2025, awarded_at=timezone.now()
    )
    rows = plan_rows(campaign, tree.township_1, {tree.village_1.pk: (2026, None)})
    assert [(r.name, r.standing) for r in rows] == [("李家村", "none"), ("王庄村", "qualified")]
    codes = [f.code for f in plan_findings(campaign, tree.township_1, rows)]
    assert "qualified_target" not in codes


def test_it_takes_the_standing_from_the_saved_survey(campaign, tree, township_officer):
    do_update_survey_entry(township_officer, campaign, tree.village_1, standing="first_class")
    AwardedTitle.objects.create(
        unit=tree.village_2, title=TitleKind.QUALIFIED_VILLAGE, year=2025, awarded_at=timezone.now()
    )
    rows = plan_rows(campaign, tree.township_1, {})
    assert [r.standing for r in rows] == ["first_class", "qualified"]
