"""The sheet saves as you go: an upload posts the whole sheet, so what was typed is saved with
the file; a bad score keeps the file and returns the typed entries; 提交 on the sheet saves first
and goes on to its confirmation only when the save went through."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from assessments.models import Score
from assessments.tests.page_helpers import applied, item
from registers.models import Evidence

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _photo(name="照片.png"):
    return SimpleUploadedFile(name, PNG, content_type="image/png")


def _post(client, assessment, fields):
    page = client.get(reverse("assessments:sheet", args=[assessment.pk]))
    form = page.context["form"]
    data = {"version": assessment.version}
    for name in form.fields:
        if name.startswith("base-"):
            data[name] = form[name].value() or ""
    data.update(fields)
    return client.post(reverse("assessments:sheet", args=[assessment.pk]), data)


def test_it_saves_the_typed_entries_with_an_upload(login, tree, village_operator, round_2026):
    assessment = applied(tree, round_2026, village_operator)
    one = item(assessment, "1")
    response = _post(
        login(village_operator),
        assessment,
        {
            f"state-{one.pk}": "会长、秘书长均已到位",
            f"points-{one.pk}": "20",
            f"file-{one.pk}": _photo(),
            "upload": str(one.pk),
        },
    )
    assert response.status_code == 302
    assert response.url.endswith(f"#item-{one.pk}")
    score = Score.objects.get(assessment=assessment, item=one, is_current=True)
    assert (score.current_state, score.points) == ("会长、秘书长均已到位", Decimal("20"))
    assert Evidence.objects.get(object_id=assessment.pk).slot == f"item-{one.pk}"


def test_it_shows_the_added_file_at_its_item(login, client, tree, village_operator, round_2026):
    assessment = applied(tree, round_2026, village_operator)
    one = item(assessment, "1")
    _post(login(village_operator), assessment, {f"file-{one.pk}": _photo(), "upload": str(one.pk)})
    page = client.get(reverse("assessments:sheet", args=[assessment.pk]))
    row = next(r for s in page.context["sections"] for r in s.rows if r.item.pk == one.pk)
    assert [str(n) for n in row.notes] == ["已添加佐证材料“照片.png”。"]


def test_it_keeps_the_file_and_the_typed_text_when_a_score_is_wrong(
    login, tree, village_operator, round_2026
):
    assessment = applied(tree, round_2026, village_operator)
    one = item(assessment, "1")
    response = _post(
        login(village_operator),
        assessment,
        {
            f"state-{one.pk}": "已补齐档案",
            f"points-{one.pk}": "999",
            f"file-{one.pk}": _photo(),
            "upload": str(one.pk),
        },
    )
    assert response.status_code == 400
    assert "已补齐档案" in response.content.decode()
    assert Evidence.objects.filter(object_id=assessment.pk).count() == 1


def test_it_names_a_refused_file_at_its_item(login, tree, village_operator, round_2026):
    assessment = applied(tree, round_2026, village_operator)
    one = item(assessment, "1")
    response = _post(
        login(village_operator),
        assessment,
        {
            f"file-{one.pk}": SimpleUploadedFile("病毒.exe", b"MZ\x90\x00", "image/png"),
            "upload": str(one.pk),
        },
    )
    assert response.status_code == 302
    assert not Evidence.objects.filter(object_id=assessment.pk).exists()
    page = response.client.get(response.url)
    assert "“病毒.exe”未添加" in page.content.decode()


def test_it_saves_before_going_to_the_submit_confirmation(
    login, tree, village_operator, round_2026
):
    assessment = applied(tree, round_2026, village_operator)
    one = item(assessment, "1")
    response = _post(
        login(village_operator), assessment, {f"points-{one.pk}": "20", "then": "submit"}
    )
    assert response.status_code == 302
    assert response.url == reverse("assessments:act", args=[assessment.pk, "submit"])
    assert Score.objects.filter(assessment=assessment, item=one, is_current=True).exists()


def test_it_refuses_to_go_on_to_submit_when_the_save_fails(
    login, tree, village_operator, round_2026
):
    assessment = applied(tree, round_2026, village_operator)
    one = item(assessment, "1")
    response = _post(
        login(village_operator), assessment, {f"points-{one.pk}": "999", "then": "submit"}
    )
    assert response.status_code == 400
    assert "999" in response.content.decode()


def test_it_offers_save_and_submit_in_the_sticky_bar(login, tree, village_operator, round_2026):
    assessment = applied(tree, round_2026, village_operator)
    page = login(village_operator).get(reverse("assessments:sheet", args=[assessment.pk]))
    html = page.content.decode()
    assert 'id="sheet-bar"' in html
    assert 'id="save-and-submit"' in html
    assert 'enctype="multipart/form-data"' in html
