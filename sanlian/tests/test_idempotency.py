"""A write sent twice is applied once: API creates with the same `Idempotency-Key`, forms with the
same one-time token; a campaign name clash is a form error (sanlian/idempotency.py)."""

import json
import re
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from assessments.models import Round
from assessments.services import rounds as round_services
from campaigns.models import Campaign
from campaigns.services import campaign as campaign_services
from campaigns.services import do_create_campaign
from orgs import services as org_services
from orgs.models import Level, OrgUnit
from registers.models import Training
from sanlian.idempotency import ABANDONED_AFTER
from sanlian.models import Submission
from standards.models import Standard, TitleKind

API = "/api/v1/records/trainings"


def _training(tree, **changes):
    body = {
        "organiser_id": tree.village_1.pk,
        "date": "2025-03-05",
        "title": "小组长培训",
        "audiences": ["group_leaders"],
        "hours": "2.5",
    }
    body.update(changes)
    return body


def _post_api(client, body, key=None):
    headers = {"Idempotency-Key": key} if key else {}
    return client.post(API, json.dumps(body), content_type="application/json", headers=headers)


def test_it_creates_one_training_for_two_api_posts_with_one_key(as_user, village_operator, tree):
    client = as_user(village_operator)

    first = _post_api(client, _training(tree), key="k-1")
    again = _post_api(client, _training(tree), key="k-1")

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Training.objects.count() == 1


def test_it_creates_two_trainings_without_a_key(as_user, village_operator, tree):
    client = as_user(village_operator)
    _post_api(client, _training(tree))
    _post_api(client, _training(tree))
    assert Training.objects.count() == 2


def test_it_lets_a_corrected_request_reuse_the_key_of_a_refused_one(
    as_user, village_operator, tree
):
    client = as_user(village_operator)

    refused = _post_api(client, _training(tree, hours="0"), key="k-2")
    corrected = _post_api(client, _training(tree), key="k-2")

    assert refused.status_code == 422
    assert corrected.status_code == 201
    assert Training.objects.count() == 1


def test_it_answers_409_while_the_first_request_is_still_running(as_user, village_operator, tree):
    client = as_user(village_operator)
    _post_api(client, _training(tree), key="k-3")
    Submission.objects.filter(key="k-3").update(status=0)  # as if still being processed

    response = _post_api(client, _training(tree), key="k-3")

    assert response.status_code == 409
    assert Training.objects.count() == 1


def test_it_keeps_the_keys_of_two_users_apart(as_user, village_operator, county_officer, tree):
    _post_api(as_user(village_operator), _training(tree), key="same")
    _post_api(as_user(county_officer), _training(tree), key="same")
    assert Training.objects.count() == 2


def _form_token(page) -> str:
    return re.search(r'name="once_token" value="([0-9a-f]+)"', page.content.decode())[1]


def _form(token):
    return {
        "date": "2025-03-05",
        "title": "小组长培训",
        "audiences": ["group_leaders"],
        "hours": "2.5",
        "once_token": token,
    }


def test_it_saves_a_double_submitted_form_once(login, village_operator, tree):
    client = login(village_operator)
    url = reverse("registers:training_create", args=[tree.village_1.pk])
    token = _form_token(client.get(url))

    first = client.post(url, _form(token))
    again = client.post(url, _form(token))

    training = Training.objects.get()
    assert first.status_code == again.status_code == 302
    assert again.url == first.url == reverse("registers:training_detail", args=[training.pk])


def test_it_keeps_the_token_usable_when_the_form_comes_back_with_errors(
    login, village_operator, tree
):
    client = login(village_operator)
    url = reverse("registers:training_create", args=[tree.village_1.pk])
    token = _form_token(client.get(url))

    shown_again = client.post(url, {**_form(token), "hours": "0"})
    saved = client.post(url, _form(token))

    assert shown_again.status_code == 200
    assert saved.status_code == 302
    assert Training.objects.count() == 1


def test_it_answers_a_campaign_name_clash_with_a_form_error(tree, county_officer, monkeypatch):
    do_create_campaign(county_officer, tree.county_a, name="三联创", first_year=2026)
    # The second submit passed its check before the first was saved (a race), as if by a check
    # that saw nothing: the unique name answers, not a 500.
    real_clean = campaign_services._clean_campaign
    monkeypatch.setattr(campaign_services, "_clean_campaign", lambda *args: None)
    with pytest.raises(ValidationError) as caught:
        do_create_campaign(county_officer, tree.county_a, name="三联创", first_year=2031)
    assert "name" in caught.value.message_dict
    monkeypatch.setattr(campaign_services, "_clean_campaign", real_clean)
    assert Campaign.objects.count() == 1


@pytest.mark.parametrize(
    "page",
    ["orgs:create", "registers:import", "assessments:round_create"],
)
def test_every_create_form_carries_a_one_time_token(login, county_officer, tree, page):
    args = {"orgs:create": [tree.township_1.pk]}.get(page, [])
    response = login(county_officer).get(reverse(page, args=args))
    assert response.status_code == 200
    assert _form_token(response)


def test_it_creates_one_unit_for_a_double_submitted_form(login, county_officer, tree):
    client = login(county_officer)
    url = reverse("orgs:create", args=[tree.village_1.pk])
    form = {"name": "新建组"}
    form["once_token"] = _form_token(client.get(url))

    first = client.post(url, form)
    again = client.post(url, form)

    assert first.status_code == again.status_code == 302
    assert again.url == first.url
    assert OrgUnit.objects.filter(name="新建组").count() == 1


def test_it_answers_a_unit_name_clash_in_a_race_with_a_form_error(tree, monkeypatch):
    # The clashing unit is saved between the check and the insert, as by a second submit.
    real_clean = OrgUnit.full_clean

    def a_colleague_just_after(unit, *args, **kwargs):
        real_clean(unit, *args, **kwargs)
        monkeypatch.setattr(OrgUnit, "full_clean", real_clean)
        OrgUnit.objects.create(parent=unit.parent, name=unit.name, level=unit.level)

    monkeypatch.setattr(OrgUnit, "full_clean", a_colleague_just_after)
    with pytest.raises(ValidationError):
        org_services.do_create_unit(None, parent=tree.village_1, name="新建组", level=Level.GROUP)
    assert OrgUnit.objects.filter(name="新建组").count() == 1


def test_it_answers_a_round_name_clash_in_a_race_with_a_form_error(
    tree, county_officer, monkeypatch
):
    real_create = round_services._create_round

    def a_colleague_first(actor, organiser, year, name, standards, deadlines):
        Round.objects.create(organiser=organiser, year=year, name=name)
        return real_create(actor, organiser, year, name, standards, deadlines)

    monkeypatch.setattr(round_services, "_create_round", a_colleague_first)
    standard = Standard.objects.filter(title=TitleKind.QUALIFIED_VILLAGE).first()
    with pytest.raises(ValidationError) as caught:
        round_services.do_create_round(
            None,
            tree.county_a,
            year=2026,
            name="2026年度评估",
            standards={TitleKind.QUALIFIED_VILLAGE: standard},
        )
    assert "name" in caught.value.message_dict
    assert Round.objects.count() == 1


def test_a_repeat_takes_over_the_key_of_a_request_killed_long_ago(as_user, village_operator, tree):
    Submission.objects.create(scope=f"user:{village_operator.pk}", key="k-4", path=API)
    Submission.objects.update(created_at=timezone.now() - ABANDONED_AFTER - timedelta(seconds=1))

    response = _post_api(as_user(village_operator), _training(tree), key="k-4")

    assert response.status_code == 201
    assert Training.objects.count() == 1
