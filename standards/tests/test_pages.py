"""The standards pages: list, detail with its 示例 marks, editor, copy, confirmation, and access."""

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from standards import services
from standards.defaults import shipped_standards
from standards.models import Item, Standard, TitleKind

BADGE = "示例，待本地确认"


@pytest.fixture
def example(db):
    return shipped_standards()[TitleKind.QUALIFIED_VILLAGE]


@pytest.fixture
def own(tree, county_officer, example):
    return services.do_copy_standard(county_officer, example, unit=tree.county_a)


def _denials(reason):
    return AuditEvent.objects.filter(action="access.denied", after__reason=reason).count()


def test_it_lists_the_versions_by_title_with_search(login, village_operator, own):
    client = login(village_operator)
    page = client.get(reverse("standards:list")).content.decode()
    assert "合格村(居)计生协会评估标准（示例）" in page and "v1" in page and "v0" in page
    found = client.get(reverse("standards:list"), {"q": "五好"}).content.decode()
    assert "“五好”协会小组评估标准" in found and "合格村(居)计生协会评估标准" not in found


def test_it_shows_the_rubric_with_assumption_badges(login, township_officer, example):
    page = login(township_officer).get(reverse("standards:detail", args=[example.pk]))
    text = page.content.decode()
    assert page.status_code == 200
    # The standard, the pass rule, item 3, item 9, item 17, 档案台账 and its item 18.
    assert text.count(BADGE) >= 7
    for expected in ("组织健全", "五好小组达到50%以上", "一票否决", "乡镇", "抽查", "至少 80"):
        assert expected in text, expected
    assert reverse("standards:edit", args=[example.pk]) not in text


def test_it_hides_the_badges_once_confirmed(login, county_officer, own):
    services.do_confirm_standard(county_officer, own)
    text = login(county_officer).get(reverse("standards:detail", args=[own.pk])).content.decode()
    assert BADGE not in text
    assert "已确认" in text


def test_it_copies_after_a_confirmation_page(login, county_officer, example):
    client = login(county_officer)
    url = reverse("standards:copy", args=[example.pk])
    assert client.get(url).status_code == 200
    assert Standard.objects.filter(title=example.title).count() == 1
    response = client.post(url)
    copy = Standard.objects.get(title=example.title, version=1)
    assert response.url == reverse("standards:edit", args=[copy.pk])
    assert copy.unit.name == "长沙县"


def test_it_edits_the_pass_rule_and_prerequisite(login, county_officer, own):
    client = login(county_officer)
    response = client.post(
        reverse("standards:edit", args=[own.pk]),
        {"name": own.name, "pass_total": "85", "prerequisite": "", "pass_rule_is_assumption": ""},
    )
    assert response.status_code == 302
    own.refresh_from_db()
    assert own.pass_total == 85 and not own.pass_rule_is_assumption


def test_it_shows_a_precise_error_next_to_the_field(login, county_officer, own):
    response = login(county_officer).post(
        reverse("standards:edit", args=[own.pk]), {"name": own.name, "pass_total": "120"}
    )
    assert response.status_code == 200
    assert "120" in response.content.decode()
    own.refresh_from_db()
    assert own.pass_total == 80


def test_it_adds_an_item_with_a_metric_and_bands(login, county_officer, own):
    section = own.sections.get(name="档案台账")
    response = login(county_officer).post(
        reverse("standards:item_add", args=[section.pk]),
        {
            "number": "19",
            "text": "骨干参加培训",
            "points": "0",
            "metric": "trainings",
            "metric_bands": "",
        },
    )
    assert response.status_code == 302
    assert Item.objects.get(section=section, number="19").metric == "trainings"


def test_it_refuses_bands_it_cannot_read(login, county_officer, own):
    item = own.sections.first().items.get(number="1")
    response = login(county_officer).post(
        reverse("standards:item_edit", args=[item.pk]),
        {
            "number": "1",
            "text": item.text,
            "points": "5",
            "metric": item.metric,
            "metric_bands": "五十分",
        },
    )
    assert response.status_code == 200
    assert "50=5" in response.content.decode()


def test_it_asks_before_deleting_a_section(login, county_officer, own):
    client = login(county_officer)
    section = own.sections.get(name="档案台账")
    url = reverse("standards:delete", args=["section", section.pk])
    page = client.get(url).content.decode()
    assert "18." in page
    assert own.sections.filter(pk=section.pk).exists()
    client.post(url)
    assert not own.sections.filter(pk=section.pk).exists()


def test_it_moves_a_stage_and_answers_htmx_with_the_outline(login, county_officer, own):
    stage = own.stages.get(position=2)
    response = login(county_officer).post(
        reverse("standards:move", args=["stage", stage.pk, "up"]), HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert 'id="outline"' in response.content.decode()
    stage.refresh_from_db()
    assert stage.position == 1


def test_it_confirms_only_after_the_confirmation_page(login, county_officer, own):
    client = login(county_officer)
    url = reverse("standards:confirm", args=[own.pk])
    page = client.get(url).content.decode()
    assert "档案台账" in page
    own.refresh_from_db()
    assert own.is_example
    client.post(url)
    own.refresh_from_db()
    assert not own.is_example and own.confirmed_by == county_officer


def test_it_closes_the_editor_of_a_version_a_round_uses(tree, login, county_officer, own):
    from assessments.services import do_create_round

    do_create_round(
        county_officer, tree.county_a, year=2026, name="2026", standards={own.title: own}
    )
    client = login(county_officer)
    response = client.get(reverse("standards:edit", args=[own.pk]))
    assert response.url == reverse("standards:detail", args=[own.pk])
    section = own.sections.first()
    client.post(
        reverse("standards:section_edit", args=[section.pk]), {"name": "改", "points": "25"}
    )
    section.refresh_from_db()
    assert section.name == "组织健全"


def test_it_downloads_the_standard_as_yaml(login, village_operator, example):
    response = login(village_operator).get(reverse("standards:export", args=[example.pk, "yaml"]))
    assert response["Content-Disposition"].startswith("attachment")
    assert "title: qualified_village" in response.content.decode()


@pytest.mark.parametrize(
    "name",
    ["standards:edit", "standards:confirm", "standards:section_add", "standards:stage_add"],
)
def test_it_forbids_a_township_officer_to_edit(login, township_officer, own, name):
    """A township reads its county's standard but does not keep it: 403, recorded."""
    response = login(township_officer).get(reverse(name, args=[own.pk]))
    assert response.status_code == 403
    assert _denials("forbidden") == 1


def test_it_forbids_a_township_officer_to_change_an_item(login, township_officer, own):
    item = own.sections.first().items.first()
    response = login(township_officer).post(
        reverse("standards:item_edit", args=[item.pk]), {"number": "1", "text": "改", "points": "5"}
    )
    assert response.status_code == 403
    item.refresh_from_db()
    assert item.text != "改"


def test_it_forbids_a_township_officer_to_copy(login, township_officer, example):
    response = login(township_officer).post(reverse("standards:copy", args=[example.pk]))
    assert response.status_code == 403
    assert Standard.objects.filter(title=example.title).count() == 1


def test_it_hides_another_countys_standard(login, outsider, own):
    """The other county's officer does not even learn that the version exists: 404, recorded."""
    client = login(outsider)
    assert client.get(reverse("standards:detail", args=[own.pk])).status_code == 404
    assert client.get(reverse("standards:edit", args=[own.pk])).status_code == 404
    section = own.sections.first()
    assert client.post(reverse("standards:delete", args=["section", section.pk])).status_code == 404
    assert own.sections.filter(pk=section.pk).exists()
    assert "长沙县" not in client.get(reverse("standards:list")).content.decode()
    assert _denials("not_found") == 3


def test_it_lets_only_administrators_edit_the_shipped_examples(
    login, county_officer, administrator, example
):
    assert (
        login(county_officer).get(reverse("standards:edit", args=[example.pk])).status_code == 403
    )
    assert login(administrator).get(reverse("standards:edit", args=[example.pk])).status_code == 200


def test_it_sends_an_anonymous_visitor_to_log_in(client, example):
    response = client.get(reverse("standards:detail", args=[example.pk]))
    assert response.status_code == 302 and "login" in response.url


def test_it_answers_404_for_a_missing_standard_or_format(login, county_officer, example):
    client = login(county_officer)
    assert client.get(reverse("standards:detail", args=[999999])).status_code == 404
    assert client.get(reverse("standards:export", args=[example.pk, "exe"])).status_code == 404


def test_it_shows_the_countys_standard_to_the_city_and_a_leader_read_only(
    login, city_reviewer, leader, own
):
    for user in (city_reviewer, leader):
        client = login(user)
        page = client.get(reverse("standards:detail", args=[own.pk])).content.decode()
        assert own.name in page
        assert reverse("standards:edit", args=[own.pk]) not in page
        assert client.get(reverse("standards:edit", args=[own.pk])).status_code == 403


def test_it_reads_a_standard_in_a_number_of_queries_that_does_not_grow(login, county_officer, own):
    """The detail and the editor cost the same whether a standard has 6 sections or 16."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = login(county_officer)

    def count(name):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse(name, args=[own.pk])).status_code == 200
        return len(queries)

    before = {name: count(name) for name in ("standards:detail", "standards:edit")}
    for n in range(10):
        section = services.do_add_section(county_officer, own, name=f"加分{n}", points="1")
        services.do_add_item(county_officer, section, number=f"J{n}", text="加分", points="1")
    after = {name: count(name) for name in ("standards:detail", "standards:edit")}
    assert after == before


def test_it_links_the_standards_from_the_main_navigation(login, village_operator, example):
    page = login(village_operator).get(reverse("standards:detail", args=[example.pk]))
    assert (
        f'<a href="{reverse("standards:list")}" aria-current="page">评估标准</a>'
        in page.content.decode()
    )


def test_it_shows_a_standard_whose_confirming_officer_was_deleted(login, county_officer, own):
    login(county_officer).post(reverse("standards:confirm", args=[own.pk]))
    Standard.objects.filter(pk=own.pk).update(confirmed_by=None)  # as SET_NULL leaves it
    response = login(county_officer).get(reverse("standards:detail", args=[own.pk]))
    assert response.status_code == 200
    assert "—" in response.content.decode()
