"""A reviewer never deletes the village's evidence: the township saw 删除 next to the
village's files and could take them away."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from assessments import group_rules
from assessments.services import do_attach_evidence
from assessments.tests.page_helpers import applied, item, submitted
from registers.models import Evidence

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def test_it_refuses_the_township_deleting_the_village_s_evidence(
    login, tree, village_operator, township_officer, round_2026
):
    assessment = applied(tree, round_2026, village_operator)
    evidence = do_attach_evidence(
        village_operator, assessment, SimpleUploadedFile("村里的.png", PNG), item(assessment, "1")
    )
    assessment = submitted_from(assessment, tree, round_2026, village_operator)
    client = login(township_officer)
    page = client.get(reverse("assessments:sheet", args=[assessment.pk])).content.decode()
    assert "村里的.png" in page
    url = reverse("assessments:delete_evidence", args=[assessment.pk, evidence.pk])
    assert url not in page
    assert client.post(url).status_code == 403
    assert Evidence.objects.filter(pk=evidence.pk).exists()


def test_it_lets_the_township_take_back_its_own_file(
    login, tree, village_operator, township_officer, round_2026
):
    assessment = submitted(tree, round_2026, village_operator)
    evidence = do_attach_evidence(
        township_officer, assessment, SimpleUploadedFile("乡镇的.png", PNG), item(assessment, "1")
    )
    url = reverse("assessments:delete_evidence", args=[assessment.pk, evidence.pk])
    assert login(township_officer).post(url).status_code == 302
    assert not Evidence.objects.filter(pk=evidence.pk).exists()


def submitted_from(assessment, tree, round_, village_operator):
    """Submit an application already made (the helper `submitted` makes its own)."""
    from assessments.services import do_submit
    from assessments.tests.page_helpers import score_all

    score_all(village_operator, assessment)
    for group in group_rules.ratings_with(assessment):
        score_all(village_operator, group)
    do_submit(village_operator, assessment)
    assessment.refresh_from_db()
    return assessment
