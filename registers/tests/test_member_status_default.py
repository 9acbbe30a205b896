"""A member on the register is offered no status change preselected: 劝退 was the default on a
brand-new member's page; choosing nothing is refused with a Chinese error."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_it_preselects_no_status_for_a_member_on_the_register(login, village_operator, members):
    page = login(village_operator).get(reverse("registers:member_detail", args=[members.wang.pk]))
    form = page.context["status_form"]
    assert not form["status"].value()
    assert 'value="withdrawn" selected' not in page.content.decode()


def test_it_refuses_a_status_change_with_no_status_chosen(login, village_operator, members):
    response = login(village_operator).post(
        reverse("registers:member_status", args=[members.wang.pk]), {"status": ""}
    )
    assert response.status_code == 422
    assert response.context["status_form"].errors["status"] == ["请选择新状态。"]
