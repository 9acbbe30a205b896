"""The personal-data scan finds a plain value in every form it could leak in, and nothing in
ordinary data that merely shares a few digits with it."""

from registers.tests.pii_scan import leaked

PHONE = "13800000001"
ID_NUMBER = "430121197507120028"


def test_it_finds_a_value_stored_whole():
    assert leaked(b"xx" + PHONE.encode() + b"yy", [PHONE]) == [PHONE]


def test_it_finds_a_phone_typed_with_separators():
    assert leaked(b"tel: 138 0000 0001.", [PHONE]) == [PHONE]
    assert leaked(b"tel: 138-0000-0001.", [PHONE]) == [PHONE]


def test_it_finds_an_id_number_typed_with_separators_or_without_its_region():
    assert leaked(b"430121 19750712 0028", [ID_NUMBER]) == [ID_NUMBER]
    assert leaked(b"id=197507120028;", [ID_NUMBER]) == [ID_NUMBER]


def test_it_finds_a_value_stored_as_utf16():
    assert leaked(b"\x00" + PHONE.encode("utf-16-le"), [PHONE]) == [PHONE]
    assert leaked(PHONE.encode("utf-16-be") + b"\x00", [PHONE]) == [PHONE]


def test_it_finds_a_value_stored_as_an_integer():
    assert leaked(b"\x05" + int(PHONE).to_bytes(6, "big") + b"\x07", [PHONE]) == [PHONE]
    assert leaked(int(ID_NUMBER).to_bytes(8, "big"), [ID_NUMBER]) == [ID_NUMBER]


def test_it_ignores_short_fragments_that_ordinary_data_contains():
    # The old scan matched PHONE[6:] ("00001"), which a timestamp's microseconds can hold.
    ordinary = b"2026-12-07 20:52:35.000001+00:00 counter=00001 seq=0028 130121"
    assert leaked(ordinary, [PHONE, ID_NUMBER]) == []
