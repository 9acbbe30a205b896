"""Exports from the pages: the rows on screen, masked unless the user may unmask, audited."""

import datetime
import io
import re

import openpyxl
from django.urls import reverse

from audit.models import AuditEvent
from registers.models import Carrier
from registers.services import do_create_activity, do_create_member, do_create_training


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
    assert "430***************" in text and "430121198503050012" not in text
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


def _training(tree, title, day, audiences):
    return do_create_training(
        None, tree.village_1, title=title, date=day, hours=2, audiences=audiences
    )


def test_the_trainings_export_has_the_list_pages_filters(login, village_operator, tree):
    _training(tree, "会员培训", datetime.date(2024, 3, 1), ["members"])
    _training(tree, "小组长培训", datetime.date(2024, 4, 1), ["group_leaders"])
    _training(tree, "去年的会员培训", datetime.date(2023, 3, 1), ["members"])
    client = login(village_operator)
    page = client.get(
        reverse("registers:training_list", args=[tree.village_1.pk]),
        {"year": "2024", "audience": "members"},
    )
    link = re.search(r'href="([^"]+)" id="export-link"', page.content.decode())
    href = link.group(1).replace("&amp;", "&")
    text = repr(_rows(client.get(href)))
    assert "会员培训" in text and "小组长培训" not in text and "去年" not in text


def test_the_activities_export_has_the_list_pages_filters(login, village_operator, tree):
    carriers = list(Carrier.objects.all()[:2])
    for title, carrier in (("关怀走访", carriers[0]), ("健康讲座", carriers[1])):
        do_create_activity(
            None,
            tree.village_1,
            title=title,
            date=datetime.date(2024, 3, 1),
            carrier=carrier,
            needs=["three_lives"],
        )
    client = login(village_operator)
    response = client.get(
        reverse("registers:export"),
        {"kind": "activities", "unit": tree.village_1.pk, "carrier": carriers[1].pk},
    )
    text = repr(_rows(response))
    assert "健康讲座" in text and "关怀走访" not in text
