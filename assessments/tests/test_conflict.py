"""Two reviewers saving the same assessment: the second save with a stale base gets a
conflict and nothing is written; saves of different items do not conflict."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from assessments.models import Score
from assessments.services import ScoreConflict, ScoreInput, do_pass, do_save_scores
from assessments.tests.helpers import self_assess_and_submit
from audit.models import AuditEvent
from standards.models import Item

pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def submitted(tree, round_2026, chain_personas):
    return self_assess_and_submit(chain_personas, round_2026, tree.village_1)


def _item(assessment, number):
    return Item.objects.get(section__standard=assessment.standard, number=number)


def _current(assessment, item, stage=1):
    return Score.objects.filter(assessment=assessment, item=item, stage=stage, is_current=True)


def test_it_refuses_a_save_whose_base_is_stale_and_writes_nothing(submitted, chain_personas):
    item = _item(submitted, "3")
    # Both reviewers opened the page before anything was scored at the township (base 0).
    do_save_scores(chain_personas.township, submitted, [ScoreInput(item.pk, "40", base=0)])
    submitted.refresh_from_db()
    rows, version = Score.objects.count(), submitted.version
    events = AuditEvent.objects.count()
    with pytest.raises(ScoreConflict) as raised:
        do_save_scores(chain_personas.township, submitted, [ScoreInput(item.pk, "30", base=0)])
    assert raised.value.items == [item]
    assert raised.value.code == "conflict"
    assert "3" in raised.value.messages[0]
    submitted.refresh_from_db()
    assert (Score.objects.count(), submitted.version) == (rows, version)
    assert AuditEvent.objects.count() == events
    assert _current(submitted, item).get().points == Decimal("40")


def test_it_writes_nothing_of_a_batch_when_one_item_conflicts(submitted, chain_personas):
    first, second = _item(submitted, "1"), _item(submitted, "2")
    do_save_scores(chain_personas.township, submitted, [ScoreInput(first.pk, "20", base=0)])
    with pytest.raises(ScoreConflict):
        do_save_scores(
            chain_personas.township,
            submitted,
            [ScoreInput(second.pk, "20", base=0), ScoreInput(first.pk, "10", base=0)],
        )
    assert not _current(submitted, second).exists()


def test_it_saves_concurrent_edits_of_different_items(submitted, chain_personas):
    first, second = _item(submitted, "1"), _item(submitted, "2")
    do_save_scores(chain_personas.township, submitted, [ScoreInput(first.pk, "20", base=0)])
    do_save_scores(chain_personas.township, submitted, [ScoreInput(second.pk, "21", base=0)])
    assert _current(submitted, first).get().points == Decimal("20")
    assert _current(submitted, second).get().points == Decimal("21")


def test_it_saves_over_the_base_it_was_shown(submitted, chain_personas):
    item = _item(submitted, "3")
    (saved,) = do_save_scores(chain_personas.township, submitted, [ScoreInput(item.pk, "40")])
    do_save_scores(chain_personas.township, submitted, [ScoreInput(item.pk, "35", base=saved.pk)])
    assert _current(submitted, item).get().points == Decimal("35")


def test_it_refuses_a_stale_version_when_passing(submitted, chain_personas):
    submitted.refresh_from_db()
    stale = submitted.version
    do_save_scores(chain_personas.township, submitted, [ScoreInput(_item(submitted, "3").pk, "45")])
    with pytest.raises(ValidationError, match="Someone changed"):
        do_pass(chain_personas.township, submitted, expected_version=stale)
    submitted.refresh_from_db()
    assert submitted.stage == 1


def test_it_refuses_one_item_twice_in_a_save(submitted, chain_personas):
    """Two entries for one item would make two current versions of it: refused, nothing saved."""
    item = _item(submitted, "3")
    with pytest.raises(ValidationError, match="given twice"):
        do_save_scores(
            chain_personas.township,
            submitted,
            [ScoreInput(item.pk, "40"), ScoreInput(item.pk, "30")],
        )
    assert not _current(submitted, item).exists()


def test_two_township_reviewers_saving_the_same_item_the_second_gets_a_conflict(
    tree, submitted, chain_personas
):
    """Two officers of one township open the sheet, each enters a score and saves: the first
    save stands, the second answers 409 and overwrites nothing."""
    from django.test import Client
    from django.urls import reverse

    from accounts.models import RoleKind
    from accounts.services import do_create_user, do_grant_role

    colleague = do_create_user(None, username="township_1_b", password=None)
    do_grant_role(None, colleague, tree.township_1, RoleKind.TOWNSHIP_OFFICER)
    item = _item(submitted, "3")
    sheet = reverse("assessments:sheet", args=[submitted.pk])
    reviewers = []
    for user in (chain_personas.township, colleague):
        client = Client()
        client.force_login(user)
        form = client.get(sheet).context["form"]
        reviewers.append((client, form["version"].value(), form[f"base-{item.pk}"].value()))

    (first, version, base), (second, version_b, base_b) = reviewers
    assert (
        first.post(
            sheet, {"version": version, f"points-{item.pk}": "40", f"base-{item.pk}": base}
        ).status_code
        == 302
    )
    answer = second.post(
        sheet, {"version": version_b, f"points-{item.pk}": "30", f"base-{item.pk}": base_b}
    )
    assert answer.status_code == 409
    [current] = _current(submitted, item)
    assert (current.points, current.author) == (Decimal("40"), chain_personas.township)
