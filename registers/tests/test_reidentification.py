"""A reader without the unmask permission cannot rebuild an ID number from everything they can
read: the API's members, units and audit events, the member pages, the register, member list,
unit and post pages, and the Excel export. The printed forms and reports name no member's birth
date or ID number (reports/templates holds neither field). Before
the masking policy, the division code + the birth date + the four visible characters gave the
whole number, and an exact-match search confirmed every guess (issue 16)."""

import io
import re
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from django.urls import reverse

from audit.models import AuditEvent
from audit.services import record_event
from registers.actions import RegisterAction
from registers.identity import ID_CHECK_CHARS, id_check_char
from registers.tests.conftest import ID_LI, ID_WANG, ID_ZHAO, PHONE_WANG

TRUE_IDS = {"王建国": ID_WANG, "李秀英": ID_LI, "赵磊": ID_ZHAO}
ID_LIKE = re.compile(r"[0-9]{3}[0-9*]{14}[0-9X*]")


def candidates(masked: str, born: date, area: str, sex: str) -> list[str]:
    """Every valid ID number that agrees with what a reader sees: the area code (the first six
    digits of the unit's division code), the birth date, the sex (the parity of the 17th digit)
    and each visible character of the masked form."""
    found = []
    for sequence in range(1000):
        if (sequence % 2 == 1) != (sex == "male"):
            continue
        first17 = f"{area}{born:%Y%m%d}{sequence:03d}"
        number = first17 + id_check_char(first17)
        if all(shown in ("*", real) for shown, real in zip(masked, number, strict=True)):
            found.append(number)
    return found


def test_the_attack_rebuilds_a_number_masked_the_old_way():
    # The test can fail: the old form (last four characters visible) gives one candidate.
    assert candidates("430***********0017", date(1960, 3, 5), "430121", "male") == [ID_WANG]
    assert set(ID_CHECK_CHARS) >= set(ID_WANG[-1])


def _everything_read(client, browser, tree, members) -> dict[str, dict]:
    """What a reader sees of each member of 李家村, through every surface they can use (the API
    with a token, the pages and the export with a session)."""
    seen = {}
    listing = client.get(f"/api/v1/members/units/{tree.village_1.pk}/members").json()["items"]
    area = client.get(f"/api/v1/units/{tree.village_1.pk}").json()["division_code"][:6]
    for item in listing:
        detail = client.get(f"/api/v1/members/{item['id']}").json()
        seen[item["name"]] = {
            "masked": detail["id_number"],
            "born": date.fromisoformat(detail["birth_date"]),
            "sex": detail["sex"],
            "area": area,
            "texts": [str(item), str(detail)],
        }
    export = browser.get(reverse("registers:export") + f"?kind=members&unit={tree.village_1.pk}")
    assert export.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(export.content)).worksheets[0]
    cells = " ".join(str(value) for row in sheet.iter_rows(values_only=True) for value in row)
    audit = client.get("/api/v1/audit/events?page_size=100").content.decode()
    pages = _pages_about_the_village(browser, tree)
    for name, member in seen.items():
        page = browser.get(
            reverse("registers:member_detail", args=[members_by_name(members)[name]])
        )
        member["texts"] += [cells, audit, page.content.decode(), *pages]
    return seen


def _pages_about_the_village(browser, tree) -> list[str]:
    """The village's other pages: its register, its member list (with a search by birth year),
    its unit page and its post holders' form."""
    village = tree.village_1.pk
    addresses = [
        reverse("registers:unit_register", args=[village]),
        reverse("registers:member_list", args=[village]),
        reverse("registers:member_list", args=[village]) + "?q=1960",
        reverse("orgs:unit", args=[village]),
        reverse("registers:post_create", args=[village]),
    ]
    texts = []
    for address in addresses:
        response = browser.get(address)
        assert response.status_code == 200, address
        texts.append(response.content.decode())
    return texts


def members_by_name(members) -> dict[str, int]:
    return {m.name: m.pk for m in (members.wang, members.li, members.zhao)}


def test_it_leaves_hundreds_of_candidates_from_everything_a_reader_sees(
    as_user, login, county_officer, tree, members
):
    # An older event in the chain still holds the old masked form; it is shown remasked.
    record_event(
        actor=None,
        action=RegisterAction.MEMBER_UPDATE,
        obj=members.wang,
        unit_id=tree.village_1.pk,
        after={"id_number": "430***********0017"},
    )
    seen = _everything_read(as_user(county_officer), login(county_officer), tree, members)
    assert set(seen) == set(TRUE_IDS)
    for name, member in seen.items():
        text = " ".join(member["texts"])
        assert TRUE_IDS[name] not in text
        # The most any surface shows of the number: no more than the masked form's digits.
        shown = {m for m in ID_LIKE.findall(text) if m[:6] == TRUE_IDS[name][:6]}
        assert shown <= {member["masked"]}, shown
        guesses = candidates(member["masked"], member["born"], member["area"], member["sex"])
        assert TRUE_IDS[name] in guesses  # the attack reads the right things…
        assert len(guesses) >= 400  # …and is left with hundreds of numbers to choose from


def test_it_answers_no_member_to_a_full_number_search_without_the_unmask_permission(
    as_user, login, county_officer, tree, members
):
    client = as_user(county_officer)
    url = f"/api/v1/members/units/{tree.village_1.pk}/members"
    for query in (ID_WANG, PHONE_WANG, ID_WANG[:17] + "9"):
        assert client.get(url, {"q": query}).json()["count"] == 0
    page = login(county_officer).get(
        reverse("registers:member_list", args=[tree.village_1.pk]), {"q": ID_WANG}
    )
    assert "王建国" not in page.content.decode().split("<tbody", 1)[-1]
    assert client.get(url, {"q": "王建"}).json()["count"] == 1  # names are still searched
    assert not AuditEvent.objects.filter(action="registers.member.search_identity").exists()


def test_it_finds_by_full_number_with_the_permission_and_audits_each_search(
    as_user, county_officer, grant_unmask, tree, members
):
    client = as_user(grant_unmask(county_officer))
    url = f"/api/v1/members/units/{tree.village_1.pk}/members"
    assert client.get(url, {"q": ID_WANG}).json()["items"][0]["name"] == "王建国"
    assert client.get(url, {"q": PHONE_WANG}).json()["count"] == 1
    events = AuditEvent.objects.filter(action="registers.member.search_identity").order_by("seq")
    assert [e.after for e in events] == [
        {"kind": "id", "query": "430***************"},
        {"kind": "phone", "query": "138****5678"},
    ]
    assert all(e.actor == county_officer for e in events)


@pytest.mark.parametrize("old", ["430***********0017", "王建国(430***********0017)"])
def test_it_shows_an_older_events_masked_number_the_current_way(
    as_user, county_officer, tree, members, old
):
    record_event(
        actor=None,
        action=RegisterAction.MEMBER_UPDATE,
        obj=members.wang,
        unit_id=tree.village_1.pk,
        after={"id_number": old, "list": [old]},
    )
    items = as_user(county_officer).get("/api/v1/audit/events").json()["items"]
    after = next(item["after"] for item in items if item["action"] == "registers.member.update")
    assert "0017" not in str(after) and "430***************" in after["id_number"]


def test_the_printed_forms_and_reports_read_no_identity_field():
    # The printed forms (评估表, 验收审批表, certificates) and the reports (progress, commendation)
    # are built by reports/; none of their templates or builders reads a birth date, an ID
    # number or a phone, so they add nothing to what the pages above show.
    root = Path(__file__).resolve().parents[2] / "reports"
    sources = [
        p for p in root.rglob("*") if p.suffix in (".py", ".html") and "tests" not in p.parts
    ]
    assert len(sources) > 10
    for source in sources:
        text = source.read_text(encoding="utf-8")
        assert not re.search(r"birth_date|id_number|phone", text), source
