"""One home for how a user is named (accounts/templatetags/people.py `person`), used by every
page's templates, the assessment templates' library and the printed forms."""

from django.contrib.auth import get_user_model
from django.template import Context, Template

from accounts.templatetags.people import person
from assessments.templatetags import assessment_tags
from reports import selectors as report_selectors


def test_it_names_a_user_by_full_name_else_user_name_and_none_by_a_dash(db):
    users = get_user_model()
    named = users(username="li", first_name="秀英", last_name="李")
    assert [person(named), person(users(username="wang")), person(None)] == ["秀英 李", "wang", "—"]


def test_it_is_the_same_filter_in_the_assessment_templates():
    assert assessment_tags.register.filters["person"] is person
    rendered = Template("{% load assessment_tags %}{{ nobody|person }}").render(
        Context({"nobody": None})
    )
    assert rendered == "—"


def test_it_leaves_a_printed_forms_line_blank_for_none(db):
    user = get_user_model()(username="zhao")
    assert (report_selectors.person(None), report_selectors.person(user)) == ("", "zhao")
