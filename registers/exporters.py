"""Exports and blank templates, with the importers' own headers so that an export imports back.

Personal information is masked in every export (the ID number as 430***************, the phone as
138****5678) unless `unmasked=True` is asked for by a caller that has checked the unmask
permission and audits it. A masked export imports back unchanged: the importer matches a row with
a masked ID number by unit + name + birth date and leaves the stored number alone.
"""

from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _

from accounts.access import visible_units
from orgs.models import Level, OrgUnit
from registers import pii
from registers.imports import (
    ACTIVITY_COLUMNS,
    AUDIENCE_WORDS,
    CATEGORY_WORDS,
    EDUCATION_WORDS,
    LAYOUTS,
    LEVEL_WORDS,
    MEMBER_COLUMNS,
    NEED_WORDS,
    ORG_COLUMNS,
    POST_COLUMNS,
    POST_WORDS,
    SEX_WORDS,
    TRAINING_COLUMNS,
    attendee_label,
    unit_reference,
    word_for,
)
from registers.models import Member, Post, RecruitmentCategory, ServiceActivity, Training
from spreadsheets.writing import write_table

# A list: another app adds its kind with `register_export` (assessments' titles).
EXPORT_KINDS = ["orgs", "members", "posts", "trainings", "activities"]
# kind: (title, instructions, rows(actor, unit)) of the kinds other apps register.
EXTRA_EXPORTS: dict = {}


def register_export(kind: str, title, instructions, rows) -> None:
    """Another app's export and template, written like the registers' own."""
    if kind not in EXPORT_KINDS:
        EXPORT_KINDS.append(kind)
    EXTRA_EXPORTS[kind] = (title, instructions, rows)


def _title(kind: str) -> str:
    if kind in EXTRA_EXPORTS:
        return str(EXTRA_EXPORTS[kind][0])
    return {
        "orgs": _("Association units"),
        "members": _("Member register"),
        "posts": _("Posts"),
        "trainings": _("Trainings"),
        "activities": _("Service activities"),
    }[kind]


def _instructions(kind: str) -> list[str]:
    if kind in EXTRA_EXPORTS:
        return [str(line) for line in EXTRA_EXPORTS[kind][1]()]
    common = [
        _("Keep the header row; the title row above it may be changed or removed."),
        _("Columns may be in any order; columns not listed here are ignored."),
        _("Dates: 1985-03-05, 1985/3/5, 1985.3.5, 19850305 or 1985年3月5日."),
        _("A blank cell leaves the stored value unchanged."),
    ]
    if kind in ("posts", "trainings", "activities"):
        return [
            *common,
            _(
                "The unit's code is its division code; for a unit without one (an urban "
                "branch), its parent's code and its name as CODE/NAME."
            ),
            _("Several choices in one cell are separated by 、 or , or ;."),
            *(
                [
                    _(
                        "参训人员: members of the register, separated by 、; a name, or a name "
                        "with the ID number or birth date in brackets when two members share "
                        "it: 张三(430121198503050012). A blank cell keeps the attendees."
                    )
                ]
                if kind == "trainings"
                else []
            ),
        ]
    if kind == "orgs":
        return [
            *common,
            _("层级: %(words)s.")
            % {"words": "、".join(forms[0] for forms in LEVEL_WORDS.values())},
            _("类别: %(words)s.")
            % {"words": "、".join(forms[0] for forms in CATEGORY_WORDS.values())},
            _(
                "上级代码: the parent's division code; for a parent without one (an urban branch, "
                "an enterprise association), its parent's code and its name as CODE/NAME."
            ),
            _("A group has no code: it is identified by 上级代码 and its name."),
            _("List parents before their children."),
        ]
    names = "、".join(
        RecruitmentCategory.objects.filter(is_active=True).values_list("name", flat=True)
    )
    return [
        *common,
        _("身份证号码: format the column as Text so that Excel keeps all 18 characters."),
        _(
            "A row without an ID number needs the birth date; it is matched to a registered "
            "member by village, name and birth date."
        ),
        _("会员类别: %(names)s; several separated by 、 or , or ;.") % {"names": names},
        _("文化程度: %(words)s.")
        % {"words": "、".join(forms[0] for forms in EDUCATION_WORDS.values())},
    ]


def _other_headers(columns) -> list[str]:
    """The synonym table's names for each column, as on the template's help page."""
    lines = []
    for column in columns:
        header, *others = column.names()
        if others:
            lines.append(
                _("%(column)s may also be headed: %(names)s.")
                % {"column": header, "names": "、".join(others)}
            )
    return lines


def template_workbook(kind: str) -> bytes:
    """A blank template: a title row, the Chinese headers, and an instructions sheet (which also
    lists the other headers each column is recognised under)."""
    columns = LAYOUTS.get(kind)
    if columns is None:
        raise ValueError(f"No template for {kind!r}.")
    return write_table(
        None,
        title=_title(kind),
        headers=[c.header for c in columns],
        rows=[],
        instructions=[*_instructions(kind), *_other_headers(columns)],
        instructions_title=_("Instructions"),
    )


def _scope(actor, unit: OrgUnit | None) -> QuerySet:
    units = OrgUnit.objects.all() if actor is None else visible_units(actor)
    if unit is not None:
        units = units.filter(pk__in=OrgUnit.objects.subtree_of(unit).values("pk"))
    return units


def _parent_reference(unit: OrgUnit, parents: dict[int, OrgUnit]) -> str:
    parent = parents.get(unit.parent_id)
    if parent is None:
        return ""
    if parent.division_code:
        return parent.division_code
    grandparent = parents.get(parent.parent_id)
    return f"{grandparent.division_code if grandparent else ''}/{parent.name}"


def org_rows(actor=None, unit: OrgUnit | None = None) -> Iterator[list]:
    units = _scope(actor, unit).filter(status="active").order_by("level", "division_code", "id")
    parents: dict[int, OrgUnit] = {}
    codes: dict[int, str] = {}
    for org in units.iterator(chunk_size=2000):
        parents[org.pk] = org  # parents come first: the order is by level
        if org.division_code:
            codes[org.pk] = org.division_code
        level_word = word_for(LEVEL_WORDS, org.level)
        yield [
            org.name,
            level_word,
            word_for(CATEGORY_WORDS, org.category) if org.category else "",
            org.division_code or "",
            _parent_reference(org, parents) if org.parent_id else "",
            org.population,
            org.households,
            "是" if org.is_key_village else ("否" if org.level == Level.VILLAGE else ""),
            codes.get(org.home_village_id, "") if org.home_village_id else "",
        ]


def member_rows(
    actor=None, unit: OrgUnit | None = None, unmasked: bool = False, members=None
) -> Iterator[list]:
    """Rows of the members template; `members` narrows them (the list page's filters)."""
    if members is None:
        members = Member.objects.filter(unit__in=_scope(actor, unit))
    members = (
        members.select_related("unit", "group")
        .prefetch_related(None)
        .prefetch_related(Prefetch("categories", queryset=RecruitmentCategory.objects.all()))
        .order_by("unit__division_code", "unit_id", "name", "id")
    )
    references: dict[int, str] = {}
    for member in members.iterator(chunk_size=2000):
        if member.unit_id not in references:
            references[member.unit_id] = unit_reference(member.unit)
        yield [
            member.name,
            word_for(SEX_WORDS, member.sex) if member.sex else "",
            member.birth_date,
            pii.decrypt(member.id_number_encrypted) if unmasked else member.id_number_masked,
            pii.decrypt(member.phone_encrypted) if unmasked else member.phone_masked,
            references[member.unit_id],
            member.group.name if member.group else "",
            "、".join(c.name for c in member.categories.all()),
            member.join_date,
            word_for(EDUCATION_WORDS, member.education) if member.education else "",
            member.occupation,
        ]


def _joined(words: dict, values) -> str:
    return "、".join(word_for(words, v) for v in values or [])


def post_rows(actor=None, unit: OrgUnit | None = None) -> Iterator[list]:
    posts = (
        Post.objects.filter(unit__in=_scope(actor, unit))
        .select_related("unit", "unit__parent", "member")
        .order_by("unit__division_code", "unit_id", "kind", "start_date", "id")
    )
    for post in posts.iterator(chunk_size=2000):
        in_group = post.unit.level == Level.GROUP
        yield [
            unit_reference(post.unit.parent if in_group else post.unit),
            post.unit.name if in_group else "",
            word_for(POST_WORDS, post.kind),
            post.holder_name,
            post.member.id_number_masked if post.member else "",
            post.start_date,
            post.end_date,
            post.note,
        ]


def training_rows(actor=None, unit: OrgUnit | None = None, trainings=None) -> Iterator[list]:
    """Rows of the trainings template, attendees included; `trainings` narrows them (the list
    page's filters)."""
    if trainings is None:
        trainings = Training.objects.filter(organiser__in=_scope(actor, unit))
    attendees = Member.objects.only("name", "id_number_masked", "birth_date").order_by(
        "unit__name", "name", "id"
    )
    trainings = (
        trainings.select_related("organiser", "organiser__parent")
        .prefetch_related(Prefetch("attendees", queryset=attendees))
        .order_by("date", "id")
    )
    for training in trainings.iterator(chunk_size=500):
        yield [
            unit_reference(training.organiser),
            training.date,
            training.title,
            _joined(AUDIENCE_WORDS, training.audiences),
            float(training.hours),
            training.location,
            training.note,
            "、".join(attendee_label(member) for member in training.attendees.all()),
        ]


def activity_rows(actor=None, unit: OrgUnit | None = None, activities=None) -> Iterator[list]:
    """Rows of the activities template; `activities` narrows them (the list page's filters)."""
    if activities is None:
        activities = ServiceActivity.objects.filter(unit__in=_scope(actor, unit))
    activities = activities.select_related("unit", "unit__parent", "carrier").order_by("date", "id")
    for activity in activities.iterator(chunk_size=2000):
        yield [
            unit_reference(activity.unit),
            activity.date,
            activity.carrier.name,
            _joined(NEED_WORDS, activity.needs),
            activity.title,
            activity.description,
            activity.people_served,
            float(activity.funds),
        ]


def export_workbook(
    kind: str,
    target: Path | str | BinaryIO | None,
    *,
    actor=None,
    unit: OrgUnit | None = None,
    unmasked: bool = False,
    members=None,
    trainings=None,
    activities=None,
) -> bytes | None:
    """Write an export; returns the bytes when `target` is None. `members`, `trainings` and
    `activities` narrow the rows to what a list page shows."""
    if kind == "orgs":
        rows, columns = org_rows(actor, unit), ORG_COLUMNS
    elif kind == "members":
        rows, columns = member_rows(actor, unit, unmasked, members), MEMBER_COLUMNS
    elif kind == "posts":
        rows, columns = post_rows(actor, unit), POST_COLUMNS
    elif kind == "trainings":
        rows, columns = training_rows(actor, unit, trainings), TRAINING_COLUMNS
    elif kind == "activities":
        rows, columns = activity_rows(actor, unit, activities), ACTIVITY_COLUMNS
    elif kind in EXTRA_EXPORTS:
        rows, columns = EXTRA_EXPORTS[kind][2](actor, unit), LAYOUTS[kind]
    else:
        raise ValueError(f"No export for {kind!r}.")
    return write_table(
        target,
        title=_title(kind) + (f" — {unit.name}" if unit is not None else ""),
        headers=[c.header for c in columns],
        rows=rows,
    )


__all__ = ["EXPORT_KINDS", "export_workbook", "template_workbook"]
