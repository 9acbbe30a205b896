"""ID numbers and phones as offices type them."""

from datetime import date

import pytest

from registers.identity import (
    IdentityError,
    mask_id_number,
    mask_phone,
    parse_id_number,
    parse_phone,
)

VALID = "11010519491231002X"


@pytest.mark.parametrize(
    "typed",
    [
        VALID,
        VALID.lower(),
        f"  {VALID} ",
        "１１０１０５１９４９１２３１００２Ｘ",
        "110105 1949 1231 002x",
    ],
)
def test_it_accepts_an_id_number_however_it_is_typed(typed):
    assert parse_id_number(typed) == VALID


def test_it_converts_a_fifteen_digit_legacy_number():
    converted = parse_id_number("110105491231002")
    assert converted[:17] == "11010519491231002"
    assert parse_id_number(converted) == converted  # its check character is right


def test_it_accepts_an_id_number_that_went_through_a_float():
    assert parse_id_number("430121198503050012.0") == parse_id_number("430121198503050012")


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("110105194912310021", "校验位"),
        ("11010519491331002X", "不是有效日期"),
        ("1101051949123100", "18"),
        ("110105209912310028", "未来"),
    ],
)
def test_it_refuses_a_wrong_id_number_with_the_reason(typed, message):
    with pytest.raises(IdentityError) as caught:
        parse_id_number(typed, today=date(2026, 11, 28))
    assert message in str(caught.value)


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("138 1234 5678", "13812345678"),
        ("138-1234-5678", "13812345678"),
        ("+86 13812345678", "13812345678"),
        ("0731-88881234", "0731-88881234"),
        ("(0731)8888 1234", "0731-88881234"),
        ("010-12345678", "010-12345678"),
        ("13812345678.0", "13812345678"),
    ],
)
def test_it_accepts_mobiles_and_landlines(typed, stored):
    assert parse_phone(typed) == stored


@pytest.mark.parametrize("typed", ["12345", "23812345678", "1381234567", "电话"])
def test_it_refuses_what_is_not_a_phone(typed):
    with pytest.raises(IdentityError):
        parse_phone(typed)


def test_it_masks_as_the_requirements_show():
    assert mask_id_number("11010519491231001X") == "110***************"
    assert mask_id_number("110***********001X") == "110***************"  # an older form
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("0731-88881234") == "0731-****1234"
