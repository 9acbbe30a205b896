"""The error-dict helpers every service uses (core.errors)."""

import pytest

from core.errors import add_error, check_fields


def test_it_collects_the_errors_of_each_field_in_order():
    errors: dict[str, list[str]] = {}
    add_error(errors, "date", "Enter a date.")
    add_error(errors, "title", "Enter a title.")
    add_error(errors, "date", "The date is in the future.")
    assert errors == {
        "date": ["Enter a date.", "The date is in the future."],
        "title": ["Enter a title."],
    }


def test_it_refuses_a_field_the_service_does_not_take():
    check_fields({"title": "x"}, ("title", "date"))
    with pytest.raises(ValueError, match=r"Unknown fields: \['colour'\]"):
        check_fields({"title": "x", "colour": "red"}, ("title", "date"))
