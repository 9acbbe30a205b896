"""Exports from the pages: the rows on screen, masked unless the user may unmask, audited."""

import io

import openpyxl
from django.urls import reverse

from audit.models import AuditEvent
from registers.services import do_create_member


def _rows(response) -> list[list]:
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).worksheets[0]
    return [[c for c in row] for row in sheet.iter_rows(values_only=True)]


def _member(tree, name, id_number):
    return do_create_member(None, tree.village_1, name=name, id_number=id_number)


def test_it_exports_the_filtered_members_masked_and_records_it(login, village_operator, tree):
    _member(tree, "张三", "430121198503050012")
    _member(tree, "李四", "11010519491231002X")
    response = login(village_operator).get(
        reverse("registers:export"), {"kind": "members", "unit": tree.village_1.pk, "q": "张三"}
    )
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    text = repr(_rows(response))
    assert "张三" in text and "李四" not in text
    assert "430***********0012" in text and "430121198503050012" not in text
    assert AuditEvent.objects.filter(action="registers.export", unit_id=tree.village_1.pk).exists()


def test_it_exports_in_full_only_for_a_user_who_may_unmask(
    login, village_operator, administrator, tree
):
    _member(tree, "张三", "430121198503050012")
    query = {"kind": "members", "unit": tree.village_1.pk, "unmasked": "1"}
    masked = login(village_operator).get(reverse("registers:export"), query)
    assert "430121198503050012" not in repr(_rows(masked))
    full = login(administrator).get(reverse("registers:export"), query)
    assert "430121198503050012" in repr(_rows(full))


def test_it_answers_404_for_a_unit_outside_the_subtree(login, village_operator, tree):
    response = login(village_operator).get(
        reverse("registers:export"), {"kind": "members", "unit": tree.village_3.pk}
    )
    assert response.status_code == 404


def test_it_exports_trainings_and_activities_with_their_template_headers(
    login, county_officer, tree
):
    client = login(county_officer)
    for kind, header in (("trainings", "培训"), ("activities", "载体")):
        response = client.get(reverse("registers:export"), {"kind": kind, "unit": tree.county_a.pk})
        assert response.status_code == 200
        assert header in repr(_rows(response)[:3]), kind
