"""Every write form takes its fields at their types only (issue 16): text in a number field, a
number past what a bigint holds (2**63), control characters in a text, a malformed date, an
unknown choice and a file name longer than a file system gives one are refused with a Chinese
error on the field, and nothing in the database changes. A file name longer than a file system
gives one is cut, not refused, as on the API: the file is kept under at most 200 characters.

The test reads each form as a browser would (the page's own `<form method="post">` with the
values it shows), spoils one field at a time by the kind of input the page declares, posts it
and compares every row of every table of ours before and after. A lone surrogate cannot reach a
form: Django decodes a posted body with replacement characters (the API refuses it,
`api/tests/test_strict_types.py`)."""

import re
from datetime import date
from html.parser import HTMLParser

import pytest
from django.apps import apps
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.forms import BaseForm
from django.urls import reverse
from django.utils import timezone

from assessments.models import AwardedTitle, TitleStatus
from assessments.services import do_apply
from assessments.tests.conftest import (  # noqa: F401 (fixtures)
    first_class_standard,
    group_standard,
    qualified_standard,
    round_2026,
)
from campaigns.services import do_create_campaign, do_save_survey
from registers.models import Evidence
from registers.record_services import do_create_training
from registers.services import do_appoint_post
from registers.tests.conftest import activity, members  # noqa: F401 (fixtures)
from standards.services import do_copy_standard

CHINESE = re.compile(r"[\u4e00-\u9fff]")
TOO_BIG = str(2**63)
LONG_NAME = "证明" * 150 + ".pdf"  # 304 characters
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
OURS = {
    "orgs",
    "accounts",
    "audit",
    "registers",
    "standards",
    "assessments",
    "campaigns",
    "jobs",
    "reports",
    "dashboards",
}


class _Form(HTMLParser):
    """The fields of each post form of a page, as a browser sends them."""

    def __init__(self):
        super().__init__()
        self.forms: list[tuple[str, list]] = []
        self._select = self._textarea = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and (a.get("method") or "").lower() == "post":
            self.forms.append((a.get("action") or "", []))
        if not self.forms or "name" not in a and tag != "option":
            return
        fields = self.forms[-1][1]
        if tag == "input":
            kind = (a.get("type") or "text").lower()
            if kind in ("submit", "button", "reset", "image"):
                return
            if kind in ("checkbox", "radio") and "checked" not in a:
                fields.append((a["name"], kind + "-unchecked", a.get("value", "on")))
                return
            fields.append((a["name"], kind, a.get("value", "")))
        elif tag == "select":
            self._select = [a["name"], "select", None, "multiple" in a]
        elif tag == "option" and self._select is not None:
            if self._select[2] is None or "selected" in a:
                self._select[2] = a.get("value", "")
        elif tag == "textarea":
            self._textarea = [a["name"], "textarea", ""]

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[2] += data

    def handle_endtag(self, tag):
        if tag == "select" and self._select is not None:
            name, kind, value, _multiple = self._select
            self.forms[-1][1].append((name, kind, value or ""))
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            self.forms[-1][1].append(tuple(self._textarea))
            self._textarea = None


def _post_form(html: str, action: str) -> list[tuple[str, str, str]]:
    """The page's biggest post form that sends to `action` (the page itself: "")."""
    parser = _Form()
    parser.feed(html)
    own = [f for f in parser.forms if f[0] in (action, action.split("?")[0])]
    assert own, f"no post form to {action} ({[f[0] for f in parser.forms]})"
    return max(own, key=lambda form: len(form[1]))[1]


def _junk(name: str, kind: str) -> list:
    """Inputs of the wrong type for a field the page declares as `kind`."""
    if kind == "number" or (kind == "hidden" and name.split("-")[-1] in ("version", "item")):
        return ["x", TOO_BIG]
    if kind == "date":
        return ["2025-02-30", "x"]
    if kind in ("text", "textarea", "search", "tel", "email"):
        return ["正常\x01文字", "a\x1bb"]
    if kind in ("select", "checkbox", "checkbox-unchecked", "radio", "radio-unchecked"):
        return [TOO_BIG]
    if kind == "file":
        return [SimpleUploadedFile(LONG_NAME, PDF, content_type="application/pdf")]
    return []


def _data(fields, spoilt: str, junk) -> dict:
    data: dict[str, list] = {}
    for name, kind, value in fields:
        if name == spoilt:
            continue
        if kind.endswith("-unchecked") or kind == "file":
            continue
        data.setdefault(name, []).append(value)
    data[spoilt] = junk if hasattr(junk, "read") else [junk]
    return data


def snapshot() -> dict:
    """Every row of every table of ours (the session and the one-time tokens aside)."""
    return {
        model._meta.label: list(model.objects.order_by("pk").values())
        for model in apps.get_models()
        if model._meta.app_label in OURS
    }


def _longest_evidence_name() -> int:
    return max((len(e.original_name) for e in Evidence.objects.all()), default=0)


def _field_errors(response, name: str) -> list[str]:
    """The errors the page shows on the posted field `name`: on the field of its form, or, for
    a form of one field sent from another page (an evidence upload), as an error message."""
    found = [str(m) for m in get_messages(response.wsgi_request) if m.level_tag == "error"]
    for context in response.context or []:
        for value in context.flatten().values():
            if isinstance(value, BaseForm) and value.is_bound:
                for field in value.fields:
                    if value.add_prefix(field) == name:
                        found += [str(e) for e in value.errors.get(field, [])]
    return found


# Each write form: (persona, the address of its page), built on the base fixture.
def _unit_edit(get):
    return "county_officer", reverse("orgs:edit", args=[get("tree").village_1.pk])


def _member(get, name):
    wang = get("members").wang
    return (
        "county_officer",
        reverse("registers:member_detail", args=[wang.pk]),
        reverse(name, args=[wang.pk]),
    )


def _training(get):
    tree = get("tree")
    return do_create_training(
        None,
        tree.village_1,
        date=date(2025, 5, 1),
        title="骨干培训",
        audiences=["presidents"],
        hours=2,
    )


def _post(get):
    tree = get("tree")
    return do_appoint_post(
        None, tree.village_1, "secretary_general", date(2024, 1, 1), holder_name="周敏"
    )


def _draft_standard(get):
    return do_copy_standard(
        get("county_officer"), get("qualified_standard"), unit=get("tree").county_a
    )


def _assessment(get):
    tree = get("tree")
    return do_apply(get("village_operator"), get("round_2026"), "qualified_village", tree.village_1)


def _campaign(get):
    tree = get("tree")
    return do_create_campaign(get("county_officer"), tree.county_a, name="三联创", first_year=2026)


def _surveyed(get):
    campaign = _campaign(get)
    do_save_survey(get("township_officer"), campaign, get("tree").township_1)
    return campaign


def _on_sheet(g, action: str):
    assessment = _assessment(g)
    return (
        "village_operator",
        reverse("assessments:sheet", args=[assessment.pk]),
        reverse(action, args=[assessment.pk]),
    )


def _awarded_title(g):
    return AwardedTitle.objects.create(
        unit=g("tree").village_1,
        title="qualified_village",
        year=2025,
        status=TitleStatus.AWARDED,
        awarded_at=timezone.now(),
    )


def _survey_entry(g):
    campaign, tree = _surveyed(g), g("tree")
    args = [campaign.pk, tree.township_1.pk, tree.village_1.pk]
    return "township_officer", reverse("campaigns:survey_entry", args=args)


def _plan_submit(g):
    campaign, tree = _surveyed(g), g("tree")
    args = [campaign.pk, tree.township_1.pk]
    return "township_officer", reverse("campaigns:plan_submit", args=args)


FORMS = {
    "orgs:create": lambda g: (
        "county_officer",
        reverse("orgs:create", args=[g("tree").township_1.pk]),
    ),
    "orgs:edit": _unit_edit,
    "orgs:move": lambda g: ("county_officer", reverse("orgs:move", args=[g("tree").village_2.pk])),
    "orgs:retire": lambda g: (
        "county_officer",
        reverse("orgs:retire", args=[g("tree").village_2.pk]),
    ),
    "registers:member_create": lambda g: (
        "county_officer",
        reverse("registers:member_create", args=[g("tree").village_1.pk]),
    ),
    "registers:member_edit": lambda g: (
        "county_officer",
        reverse("registers:member_edit", args=[g("members").wang.pk]),
    ),
    "registers:member_status": lambda g: _member(g, "registers:member_status"),
    "registers:member_transfer": lambda g: _member(g, "registers:member_transfer"),
    "registers:post_create": lambda g: (
        "county_officer",
        reverse("registers:post_create", args=[g("tree").village_1.pk]),
    ),
    "registers:post_end": lambda g: (
        "county_officer",
        reverse("registers:post_end", args=[_post(g).pk]),
    ),
    "registers:training_create": lambda g: (
        "county_officer",
        reverse("registers:training_create", args=[g("tree").village_1.pk]),
    ),
    "registers:training_edit": lambda g: (
        "county_officer",
        reverse("registers:training_edit", args=[_training(g).pk]),
    ),
    "registers:activity_create": lambda g: (
        "county_officer",
        reverse("registers:activity_create", args=[g("tree").village_1.pk]),
    ),
    "registers:activity_edit": lambda g: (
        "county_officer",
        reverse("registers:activity_edit", args=[g("activity").pk]),
    ),
    "registers:activity_evidence_upload": lambda g: (
        "county_officer",
        reverse("registers:activity_detail", args=[g("activity").pk]),
        reverse("registers:activity_evidence_upload", args=[g("activity").pk]),
    ),
    "registers:inclusion_checklist": lambda g: (
        "township_officer",
        reverse("registers:inclusion_checklist", args=[g("tree").township_1.pk]) + "?year=2025",
    ),
    "registers:profile_page": lambda g: (
        "village_operator",
        reverse("registers:profile_page", args=[g("tree").village_1.pk]) + "?year=2025",
    ),
    "registers:import": lambda g: ("county_officer", reverse("registers:import")),
    "standards:edit": lambda g: (
        "county_officer",
        reverse("standards:edit", args=[_draft_standard(g).pk]),
    ),
    "standards:section_add": lambda g: (
        "county_officer",
        reverse("standards:section_add", args=[_draft_standard(g).pk]),
    ),
    "standards:item_add": lambda g: (
        "county_officer",
        reverse("standards:item_add", args=[_draft_standard(g).sections.first().pk]),
    ),
    "standards:item_edit": lambda g: (
        "county_officer",
        reverse("standards:item_edit", args=[_draft_standard(g).sections.first().items.first().pk]),
    ),
    "standards:stage_add": lambda g: (
        "county_officer",
        reverse("standards:stage_add", args=[_draft_standard(g).pk]),
    ),
    "assessments:round_create": lambda g: ("county_officer", reverse("assessments:round_create")),
    "assessments:sheet": lambda g: (
        "village_operator",
        *[reverse("assessments:sheet", args=[_assessment(g).pk])] * 2,
    ),
    "assessments:spot_checks": lambda g: (
        "county_officer",
        reverse("assessments:spot_checks", args=[g("round_2026").pk]),
    ),
    "campaigns:campaign_create": lambda g: (
        "county_officer",
        reverse("campaigns:campaign_create", args=[g("tree").county_a.pk]),
    ),
    "campaigns:campaign_edit": lambda g: (
        "county_officer",
        reverse("campaigns:campaign_edit", args=[_campaign(g).pk]),
    ),
    "campaigns:township_targets": lambda g: (
        "county_officer",
        reverse("campaigns:township_targets", args=[_campaign(g).pk, g("tree").township_1.pk]),
    ),
    "campaigns:plan": lambda g: (
        "township_officer",
        reverse("campaigns:plan", args=[_surveyed(g).pk, g("tree").township_1.pk]),
    ),
    "campaigns:pilots": lambda g: (
        "township_officer",
        reverse("campaigns:pilots", args=[_campaign(g).pk, g("tree").township_1.pk]),
    ),
    "assessments:comment": lambda g: _on_sheet(g, "assessments:comment"),
    "assessments:revoke": lambda g: (
        "county_officer",
        reverse("assessments:revoke", args=[_awarded_title(g).pk]),
    ),
    "standards:section_edit": lambda g: (
        "county_officer",
        reverse("standards:section_edit", args=[_draft_standard(g).sections.first().pk]),
    ),
    "standards:stage_edit": lambda g: (
        "county_officer",
        reverse("standards:stage_edit", args=[_draft_standard(g).stages.first().pk]),
    ),
    "campaigns:survey_entry": lambda g: _survey_entry(g),
    "campaigns:plan_submit": lambda g: _plan_submit(g),
}


@pytest.mark.django_db
@pytest.mark.parametrize("form", sorted(FORMS))
def test_it_refuses_a_wrong_type_in_every_field_and_changes_nothing(request, client, form):
    persona, url, *action = FORMS[form](request.getfixturevalue)
    client.force_login(request.getfixturevalue(persona))
    page = client.get(url)
    assert page.status_code == 200, (url, page.status_code)
    fields = _post_form(page.content.decode(), action[0] if action else "")
    target = action[0] if action else url
    tried, wrong = 0, []
    for name, kind, _value in fields:
        for junk in _junk(name, kind):
            before = snapshot()
            response = client.post(target, _data(fields, name, junk), follow=True)
            tried += 1
            if kind == "file":
                if response.status_code >= 500 or _longest_evidence_name() > 200:
                    wrong.append((name, "long file name", response.status_code))
                continue
            if response.status_code >= 500 or snapshot() != before:
                wrong.append((name, repr(junk), response.status_code, "changed"))
                continue
            errors = _field_errors(response, name)
            if not (errors and CHINESE.search(errors[0])):
                wrong.append((name, repr(junk), response.status_code, errors))
    assert tried, f"{form}: no field was tried ({fields})"
    assert not wrong, wrong
