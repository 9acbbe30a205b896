"""The assessment sheet: columns per stage, saving the current stage, conflicts, per-item
reopening, metric suggestions, evidence, comments, history, group ratings, access."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.models import RoleKind
from accounts.services import do_create_user, do_grant_role
from assessments import group_rules
from assessments.models import Comment, Score
from assessments.services import ScoreInput, do_apply, do_return, do_save_scores
from assessments.tests.page_helpers import applied, item, score_all, submitted
from conftest import PASSWORD
from registers.models import Evidence
from standards import metrics
from standards.models import TitleKind

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _sheet(client, assessment):
    return client.get(reverse("assessments:sheet", args=[assessment.pk]))


def _post(client, assessment, fields):
    page = _sheet(client, assessment)
    form = page.context["form"]
    data = {"version": assessment.version}
    for name in form.fields:
        if name.startswith("base-"):
            data[name] = form[name].value()
    data.update(fields)
    return client.post(reverse("assessments:sheet", args=[assessment.pk]), data)


def test_it_shows_a_column_per_stage_with_the_pass_rule_outcome(
    login, tree, village_operator, round_2026
):
    assessment = applied(tree, round_2026, village_operator)
    response = _sheet(login(village_operator), assessment)
    assert response.status_code == 200
    assert [s.position for s in response.context["stages"]] == [0, 1, 2]
    assert response.context["outcome"].passes is False
    assert response.context["reasons"]
    assert 'id="sheet-form"' in response.content.decode()


def test_it_saves_the_self_assessment_with_state_and_measures(
    login, tree, village_operator, round_2026
):
    assessment = applied(tree, round_2026, village_operator)
    one = item(assessment, "1")
    response = _post(
        login(village_operator),
        assessment,
        {f"points-{one.pk}": "20", f"state-{one.pk}": "会长到位", f"measures-{one.pk}": "补档案"},
    )
    assert response.status_code == 302
    score = Score.objects.get(assessment=assessment, item=one, is_current=True)
    assert (score.points, score.current_state, score.measures) == (
        Decimal("20"),
        "会长到位",
        "补档案",
    )
    assert score.author == village_operator


def test_it_shows_subtotals_and_the_gap(login, tree, village_operator, round_2026):
    assessment = applied(tree, round_2026, village_operator)
    score_all(village_operator, assessment, {"1": 20})
    response = _sheet(login(village_operator), assessment)
    first = response.context["sections"][0]
    assert first.subtotals[0] == Decimal("45")
    assert first.rows[0].gap == Decimal("5")
    assert response.context["totals"][0] == Decimal("95")


def test_it_refuses_a_score_above_the_items_points_next_to_the_item(
    login, tree, village_operator, round_2026
):
    assessment = applied(tree, round_2026, village_operator)
    one = item(assessment, "1")
    response = _post(login(village_operator), assessment, {f"points-{one.pk}": "26"})
    assert response.status_code == 400
    assert f"points-{one.pk}" in response.context["form"].errors
    assert not Score.objects.exists()


def test_it_keeps_the_users_entries_when_someone_saved_in_between(
    login, tree, village_operator, round_2026
):
    """The second save gets the conflict message, its entries stay in the form, and the other
    person's saved value is shown beside them; nothing of either is lost."""
    assessment = applied(tree, round_2026, village_operator)
    one = item(assessment, "1")
    client = login(village_operator)
    stale = _sheet(client, assessment).context["form"][f"base-{one.pk}"].value()
    do_save_scores(village_operator, assessment, [ScoreInput(item_id=one.pk, points=10, base=0)])
    response = client.post(
        reverse("assessments:sheet", args=[assessment.pk]),
        {"version": assessment.version, f"points-{one.pk}": "22", f"base-{one.pk}": stale},
    )
    assert response.status_code == 409, [str(m) for m in response.context["messages"]]
    form = response.context["form"]
    assert str(form[f"points-{one.pk}"].value()) == "22"
    theirs = Score.objects.get(item=one, is_current=True)
    assert str(form[f"base-{one.pk}"].value()) == str(theirs.pk)
    assert theirs.points == Decimal("10")
    assert one.pk in response.context["conflict_items"]
    # Saving again now goes through.
    again = client.post(
        reverse("assessments:sheet", args=[assessment.pk]),
        {"version": assessment.version, f"points-{one.pk}": "22", f"base-{one.pk}": theirs.pk},
    )
    assert again.status_code == 302
    assert Score.objects.get(item=one, is_current=True).points == Decimal("22")


def test_it_opens_only_the_returned_items(
    login, tree, village_operator, township_officer, round_2026
):
    assessment = submitted(tree, round_2026, village_operator)
    two = item(assessment, "2")
    do_return(township_officer, assessment, reason="档案不全", items=[two.pk])
    response = _sheet(login(village_operator), assessment)
    editable = [r.item.pk for s in response.context["sections"] for r in s.rows if r.editable]
    assert editable == [two.pk]
    assert 'id="reopened"' in response.content.decode()


def test_it_lets_nobody_else_edit_the_current_column(login, tree, village_operator, round_2026):
    """At the self-assessment the township reads the sheet without a form, and a post is 403."""
    assessment = applied(tree, round_2026, village_operator)
    officer = do_create_user(None, username="t1", password=PASSWORD)
    do_grant_role(None, officer, tree.township_1, RoleKind.TOWNSHIP_OFFICER)
    client = login(officer)
    assert _sheet(client, assessment).context["form"] is None
    one = item(assessment, "1")
    response = client.post(
        reverse("assessments:sheet", args=[assessment.pk]),
        {"version": 1, f"points-{one.pk}": "20", f"base-{one.pk}": 0},
    )
    assert response.status_code == 403


def test_it_asks_for_a_reason_when_a_score_differs_from_the_registers(
    login, tree, village_operator, round_2026, monkeypatch
):
    monkeypatch.setitem(
        metrics.METRICS,
        "test_members",
        metrics.Metric("test_members", "会员", lambda unit, year: (Decimal("8"), "每百人8名会员")),
    )
    assessment = applied(tree, round_2026, village_operator)
    one = item(assessment, "1")
    one.metric, one.metric_bands = (
        "test_members",
        [{"min": 5, "score": 20}, {"min": 10, "score": 25}],
    )
    one.save()
    client = login(village_operator)
    page = _sheet(client, assessment)
    assert "每百人8名会员" in page.content.decode()
    assert 'placeholder="20"' in str(page.context["form"][f"points-{one.pk}"])
    assert page.context["form"][f"points-{one.pk}"].value() is None
    refused = _post(client, assessment, {f"points-{one.pk}": "25"})
    assert f"reason-{one.pk}" in refused.context["form"].errors
    accepted = _post(client, assessment, {f"points-{one.pk}": "25", f"reason-{one.pk}": "新增会员"})
    assert accepted.status_code == 302
    score = Score.objects.get(item=one, is_current=True)
    assert (score.suggested, score.override_reason) == (Decimal("20"), "新增会员")


def test_it_saves_a_score_whose_registers_reading_is_longer_than_its_column(
    login, tree, village_operator, round_2026, monkeypatch
):
    vacant = "、".join(f"第{n}小组小组长" for n in range(30))  # a village with many vacant posts
    monkeypatch.setitem(
        metrics.METRICS,
        "test_posts",
        metrics.Metric("test_posts", "岗位", lambda unit, year: (Decimal("1"), "空缺：" + vacant)),
    )
    assessment = applied(tree, round_2026, village_operator)
    one = item(assessment, "1")
    one.metric, one.metric_bands = ("test_posts", [{"min": 0, "score": 20}])
    one.save()

    saved = _post(login(village_operator), assessment, {f"points-{one.pk}": "20"})

    assert saved.status_code == 302
    kept = Score.objects.get(item=one, is_current=True).metric_value
    assert kept.startswith("空缺：第0小组小组长") and kept.endswith("…") and len(kept) == 100


def test_it_attaches_evidence_to_an_item_and_the_township_downloads_it(
    login, tree, village_operator, township_officer, round_2026, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    assessment = applied(tree, round_2026, village_operator)
    one = item(assessment, "1")
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = login(village_operator).post(
        reverse("assessments:evidence", args=[assessment.pk]),
        {"item": one.pk, "file": SimpleUploadedFile("会议记录.png", PNG, "image/png")},
    )
    assert response.status_code == 302
    evidence = Evidence.objects.get()
    assert (evidence.slot, evidence.unit) == (f"item-{one.pk}", tree.village_1)
    sheet = _sheet(login(township_officer), assessment)
    assert "会议记录.png" in sheet.content.decode()
    download = login(township_officer).get(
        reverse("registers:evidence_download", args=[evidence.pk])
    )
    assert download.status_code == 200
    assert download["X-Content-Type-Options"] == "nosniff"


def test_it_refuses_a_file_that_is_not_an_image_or_pdf(
    login, tree, village_operator, round_2026, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    assessment = applied(tree, round_2026, village_operator)
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = login(village_operator).post(
        reverse("assessments:evidence", args=[assessment.pk]),
        {"item": item(assessment, "1").pk, "file": SimpleUploadedFile("x.png", b"MZ not png")},
        follow=True,
    )
    assert response.status_code == 200
    assert not Evidence.objects.exists()
    assert any(m.level_tag == "error" for m in response.context["messages"])


def test_it_refuses_evidence_from_a_level_that_does_not_act_now(
    login, tree, township_officer, village_operator, round_2026
):
    assessment = applied(tree, round_2026, village_operator)
    response = login(township_officer).post(
        reverse("assessments:evidence", args=[assessment.pk]), {"item": ""}
    )
    assert response.status_code == 403


def test_it_adds_a_comment_on_an_item(login, tree, village_operator, township_officer, round_2026):
    assessment = submitted(tree, round_2026, village_operator)
    two = item(assessment, "2")
    login(township_officer).post(
        reverse("assessments:comment", args=[assessment.pk]), {"item": two.pk, "text": "请补照片"}
    )
    comment = Comment.objects.get()
    assert (comment.item, comment.text, comment.author) == (two, "请补照片", township_officer)
    sheet = _sheet(login(village_operator), assessment)
    assert "请补照片" in sheet.content.decode()


def test_it_shows_every_score_version_with_its_author(login, tree, village_operator, round_2026):
    assessment = applied(tree, round_2026, village_operator)
    one = item(assessment, "1")
    do_save_scores(village_operator, assessment, [ScoreInput(item_id=one.pk, points=10)])
    do_save_scores(village_operator, assessment, [ScoreInput(item_id=one.pk, points=15)])
    response = _sheet(login(village_operator), assessment)
    row = response.context["sections"][0].rows[0]
    assert [s.points for s in row.history] == [Decimal("10"), Decimal("15")]
    assert "village_1" in response.content.decode()


def test_it_lists_the_group_ratings_with_the_migrant_group(
    login, tree, village_operator, round_2026
):
    assessment = applied(tree, round_2026, village_operator)
    response = _sheet(login(village_operator), assessment)
    units = {row.assessment.unit for row in response.context["group_ratings"]}
    assert units == {tree.group_1, tree.group_2, tree.branch_group}
    migrant = group_rules.ratings_with(assessment).get(unit=tree.branch_group)
    rating = _sheet(login(village_operator), migrant)
    assert rating.context["form"] is not None
    five = item(migrant, "5")
    saved = _post(login(village_operator), migrant, {f"points-{five.pk}": "18"})
    assert saved.status_code == 302
    assert Score.objects.get(assessment=migrant, item=five).points == Decimal("18")


def test_it_answers_404_outside_the_subtree(login, tree, village_operator, outsider, round_2026):
    assessment = applied(tree, round_2026, village_operator)
    assert _sheet(login(outsider), assessment).status_code == 404


def test_it_hides_another_villages_sheet_from_a_village_operator(
    login, tree, village_operator, round_2026
):
    other = do_create_user(None, username="village_2", password=PASSWORD)
    do_grant_role(None, other, tree.village_2, RoleKind.VILLAGE_OPERATOR)
    theirs = do_apply(other, round_2026, TitleKind.QUALIFIED_VILLAGE, tree.village_2)
    assert _sheet(login(village_operator), theirs).status_code == 404


def test_it_records_the_denial_of_a_sheet_outside_the_subtree(
    login, tree, village_operator, outsider, round_2026
):
    from audit.models import AuditEvent

    assessment = applied(tree, round_2026, village_operator)
    _sheet(login(outsider), assessment)
    denial = AuditEvent.objects.filter(action="access.denied").latest("seq")
    assert denial.actor_id == outsider.pk
    assert denial.after["reason"] == "not_found"


def test_it_shows_a_leader_the_sheet_read_only(login, tree, village_operator, leader, round_2026):
    assessment = applied(tree, round_2026, village_operator)
    response = _sheet(login(leader), assessment)
    assert response.status_code == 200
    assert response.context["form"] is None
    assert not response.context["acting"] and not response.context["can_comment"]
    content = response.content.decode()
    assert 'id="sheet-form"' not in content and 'id="actions"' not in content


def test_it_deletes_an_evidence_file_after_confirmation_while_its_item_is_open(
    login, tree, village_operator, round_2026, settings, tmp_path
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from assessments.services import do_attach_evidence

    settings.MEDIA_ROOT = tmp_path
    assessment = applied(tree, round_2026, village_operator)
    one = item(assessment, "1")
    evidence = do_attach_evidence(
        village_operator, assessment, SimpleUploadedFile("错的.png", PNG), one
    )
    client = login(village_operator)
    url = reverse("assessments:delete_evidence", args=[assessment.pk, evidence.pk])
    assert client.get(url).status_code == 200
    assert Evidence.objects.exists()
    assert client.post(url).status_code == 302
    assert not Evidence.objects.exists()


def test_it_keeps_evidence_of_a_submitted_item(
    login, tree, village_operator, round_2026, settings, tmp_path
):
    """Once submitted, the village can no longer take its evidence back."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from assessments.services import do_attach_evidence

    settings.MEDIA_ROOT = tmp_path
    assessment = applied(tree, round_2026, village_operator)
    evidence = do_attach_evidence(
        village_operator, assessment, SimpleUploadedFile("a.png", PNG), item(assessment, "1")
    )
    from assessments.services import do_submit

    score_all(village_operator, assessment)
    for group in group_rules.ratings_with(assessment):
        score_all(village_operator, group)
    do_submit(village_operator, assessment)
    url = reverse("assessments:delete_evidence", args=[assessment.pk, evidence.pk])
    assert login(village_operator).post(url).status_code == 403
    assert Evidence.objects.filter(pk=evidence.pk).exists()


def test_it_renders_the_sheet_of_the_shipped_qualified_standard(
    login, tree, county_officer, village_operator, township_officer
):
    """The shipped example (metric-bound items, veto items, its own chain) renders for the
    village with its form and for the township without one."""
    from assessments.services import do_create_round
    from standards.defaults import shipped_standards

    shipped = shipped_standards()
    round_, _warnings = do_create_round(
        county_officer,
        tree.county_a,
        year=2026,
        name="示例标准",
        standards={TitleKind.QUALIFIED_VILLAGE: shipped[TitleKind.QUALIFIED_VILLAGE]},
    )
    assessment = do_apply(village_operator, round_, TitleKind.QUALIFIED_VILLAGE, tree.village_1)
    village = _sheet(login(village_operator), assessment)
    assert village.status_code == 200
    assert village.context["form"] is not None
    assert "示例，待本地确认" in village.content.decode()
    assert "<h1>评估表：" in village.content.decode()  # a Chinese colon after a Chinese label
    assert "示例标准（2026）" in village.content.decode()  # and Chinese brackets
    assert _sheet(login(township_officer), assessment).status_code == 200
    # In English the badge and the section headings carry no Chinese punctuation or words.
    english = login(village_operator)
    english.cookies["django_language"] = "en"
    content = _sheet(english, assessment).content.decode()
    assert "Example, to be confirmed locally" in content
    assert "<h1>Assessment sheet: " in content
    assert "示例标准 (2026)" in content
    assert "示例，待本地确认" not in content
    assert re.search(r"\(\d+(\.\d+)? points(, at least \d+(\.\d+)?)?\)", content)
    assert " points，" not in content


def test_it_speaks_english_when_asked(login, tree, village_operator, round_2026, client):
    assessment = applied(tree, round_2026, village_operator)
    client = login(village_operator)
    client.cookies["django_language"] = "en"
    content = _sheet(client, assessment).content.decode()
    assert "Assessment sheet" in content and "Save scores" in content


def test_it_says_when_the_stage_is_a_spot_check(
    login, tree, village_operator, township_officer, county_officer, round_2026
):
    from assessments.tests.page_helpers import at_county

    assessment = at_county(tree, round_2026, village_operator, township_officer)
    content = _sheet(login(county_officer), assessment).content.decode()
    assert 'id="spot-check-stage"' in content


def test_it_shows_scores_and_history_whose_author_is_gone(
    login, tree, village_operator, round_2026
):
    """Accounts can be deleted (the rows keep SET_NULL): the sheet still renders."""
    from assessments.models import Transition

    assessment = applied(tree, round_2026, village_operator)
    score_all(village_operator, assessment)
    Score.objects.update(author=None)
    Transition.objects.update(actor=None)
    response = _sheet(login(village_operator), assessment)
    assert response.status_code == 200


def test_it_keeps_assessment_evidence_from_the_registers_delete_page(
    login, tree, village_operator, round_2026, settings, tmp_path
):
    """The registers' generic evidence page must not bypass the chain: 403, file kept."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from assessments.services import do_attach_evidence

    settings.MEDIA_ROOT = tmp_path
    assessment = applied(tree, round_2026, village_operator)
    evidence = do_attach_evidence(
        village_operator, assessment, SimpleUploadedFile("a.png", PNG), item(assessment, "1")
    )
    response = login(village_operator).post(
        reverse("registers:evidence_delete", args=[evidence.pk])
    )
    assert response.status_code == 403
    assert Evidence.objects.filter(pk=evidence.pk).exists()
