"""Pages where people type warn before leaving with unsaved entries (ui.md: a draft is never
lost): the member form."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def _warns(html: str) -> bool:
    return "data-unsaved-warning" in html and "beforeunload" in html


def test_it_warns_before_leaving_the_member_form(login, village_operator, tree):
    url = reverse("registers:member_create", args=[tree.village_1.pk])
    assert _warns(login(village_operator).get(url).content.decode())
