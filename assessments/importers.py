"""`sanlian import titles FILE` and the titles template and export: the titles a county's units
already hold (双创 or earlier campaigns), on the registers' importer base, so that the file is read,
its header matched and its rows reported (Excel row, column, Chinese reason; all or nothing;
idempotent) exactly as the other imports."""

from __future__ import annotations

import re

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.access import visible_units
from assessments.carried import can_carry_in, check_title, do_carry_in_title
from assessments.models import AwardedTitle, TitleStatus
from orgs.models import LEVEL_COLUMNS
from registers.exporters import register_export
from registers.imports import RecordImporter, Row, register_kind, unit_reference
from spreadsheets.columns import Column
from standards.models import TitleKind

KIND = "titles"
TITLE_COLUMNS = [
    Column(
        "unit_code",
        "单位代码",
        ("行政区划代码", "村(居)代码", "村居代码", "所属单位代码"),
        required=True,
    ),
    Column("unit_name", "单位名称", ("名称", "协会名称", "单位")),
    Column("title", "称号", ("荣誉称号", "所获称号", "称号名称"), required=True),
    Column("year", "年度", ("年份", "命名年度", "授予年度", "获得年度"), required=True),
    Column("issuer", "发文单位", ("命名单位", "授予单位", "颁发单位")),
    Column("document_number", "文号", ("发文文号", "文件文号", "命名文号")),
]
TITLE_WORDS = {
    TitleKind.FIVE_GOOD_GROUP: ("五好协会小组", "五好计生协会小组", "五好小组", "五好"),
    TitleKind.QUALIFIED_VILLAGE: ("合格村(居)协会", "合格村居协会", "合格村协会", "合格村", "合格"),
    TitleKind.FIRST_CLASS_VILLAGE: (
        "一流村(居)协会",
        "一流村居协会",
        "一流村协会",
        "一流村",
        "一流",
    ),
    TitleKind.ADVANCED_TOWNSHIP: (
        "先进乡镇(街道)协会",
        "先进乡镇街道协会",
        "先进乡镇协会",
        "先进乡镇",
        "先进街道",
        "先进",
    ),
}
QUOTES_AND_SPACES = re.compile(r"[\s“”\"'‘’「」（）()]")


def _key(text: str) -> str:
    return QUOTES_AND_SPACES.sub("", text).replace("计生", "").replace("计划生育", "")


TITLE_BY_WORD = {
    _key(word): kind for kind, words in TITLE_WORDS.items() for word in (*words, kind.value)
}


def title_of(value) -> str | None:
    return TITLE_BY_WORD.get(_key(str(value or "")))


def year_of(value) -> int | None:
    """2019, 2019.0, "2019", "2019年", "2019年度"."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value or "").strip().removesuffix("年度").removesuffix("年").strip()
    return int(text) if text.isdigit() else None


class TitleImporter(RecordImporter):
    kind = KIND
    columns = TITLE_COLUMNS
    model = AwardedTitle

    def parse(self, row: Row):
        unit = self.unit_of(row)
        title = title_of(row.cells.get("title"))
        if title is None:
            row.error(
                "title",
                _("Unknown title “%(word)s”; write one of: %(choices)s.")
                % {
                    "word": str(row.cells.get("title") or ""),
                    "choices": "、".join(words[0] for words in TITLE_WORDS.values()),
                },
            )
        year = year_of(row.cells.get("year"))
        if year is None:
            row.error("year", _("Write the year as four digits, e.g. 2019."))
        issuer = self.text_of(row, "issuer", 100)
        document_number = self.text_of(row, "document_number", 100)
        if unit is None:
            return None
        name = self.text_of(row, "unit_name", 100)
        if name and _key(name) != _key(unit.name):
            row.error(
                "unit_name",
                _("The name does not match the code: %(code)s is “%(name)s”.")
                % {"code": unit_reference(unit), "name": unit.name},
            )
        if self.actor is not None and not can_carry_in(self.actor, unit):
            row.error("unit_code", _("Existing titles are recorded by the county."))
        if title is not None and year is not None:
            for field_name, message in check_title(unit, title, year):
                row.error("unit_code" if field_name == "unit" else field_name, message)
        if row.errors:
            return None
        values = {
            "title": title,
            "year": year,
            "issuer": issuer,
            "document_number": document_number,
        }
        return (unit.pk, title, year), unit, values

    def write(self, row: Row, key: tuple, unit, values: dict) -> None:
        try:
            _title, created = do_carry_in_title(self.actor, unit, **values)
        except ValidationError as error:
            for message in error.messages:
                row.error("title", message)
            return
        except PermissionDenied as error:
            row.error("unit_code", str(error))
            return
        if created:
            self.report.created += 1
            self.units_touched[unit.pk] = unit
        else:
            self.report.unchanged += 1


def instructions() -> list[str]:
    return [
        _("Keep the header row; the title row above it may be changed or removed."),
        _("Columns may be in any order; columns not listed here are ignored."),
        _(
            "单位代码: the unit's division code; for a unit without one (a group), its parent's "
            "code and its name as CODE/NAME."
        ),
        _("称号: %(words)s.") % {"words": "、".join(w[0] for w in TITLE_WORDS.values())},
        _("年度: the year the title was awarded, e.g. 2019."),
        _(
            "A title already recorded for the unit and year is left as it is: the file can be "
            "imported again."
        ),
    ]


def title_rows(actor, unit):
    units = visible_units(actor) if actor is not None else None
    titles = AwardedTitle.objects.exclude(status=TitleStatus.REVOKED).select_related(
        "unit__parent", "assessment__round__organiser"
    )
    if units is not None:
        titles = titles.filter(unit__in=units)
    if unit is not None:
        column = LEVEL_COLUMNS.get(unit.level)
        titles = titles.filter(**{f"unit__{column}": unit}) if column else titles.filter(unit=unit)
    for title in titles.order_by("unit__division_code", "unit__name", "title", "year"):
        issuer = title.issuer
        if not issuer and title.assessment_id:
            issuer = title.assessment.round.organiser.name
        yield [
            unit_reference(title.unit),
            title.unit.name,
            str(TitleKind(title.title).label),
            title.year,
            issuer,
            title.document_number,
        ]


def register() -> None:
    from registers.forms_imports import KIND_LABELS

    register_kind(KIND, TitleImporter, TITLE_COLUMNS, "assessments.awardedtitle")
    KIND_LABELS[KIND] = gettext_lazy("Titles held")
    register_export(KIND, gettext_lazy("Titles held"), instructions, title_rows)
