"""The commendation list (表彰名单) of a round and title, and the certificates of its units.

A unit is commended when the round's decision awarded it the title and the title was not revoked
since (a title superseded by a later year's still was awarded in this one).
"""

import io
from dataclasses import dataclass
from datetime import date

import xlsxwriter
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.access import visible_units
from assessments.models import AwardedTitle, Round, TitleStatus
from orgs.models import Level, OrgUnit
from reports.progress import print_sheet
from standards.models import TitleKind


@dataclass
class Certificate:
    unit_name: str  # with its parent's name: 青山镇李家村, 李家村第一小组
    title: str
    year: int
    issuer: str
    issued_on: date
    township: str
    division_code: str


def commended(round_: Round, title: str, user) -> QuerySet[AwardedTitle]:
    """The round's titles of this kind, not revoked, of units the user may see."""
    return (
        AwardedTitle.objects.filter(assessment__round=round_, title=title)
        .exclude(status=TitleStatus.REVOKED)
        .filter(unit__in=visible_units(user))
        .select_related("unit__parent", "unit__township", "assessment__round__organiser")
        .order_by("unit__township__name", "unit__division_code", "unit__name", "pk")
    )


def issuer_of(organiser: OrgUnit) -> str:
    return _("%(unit)s Family Planning Association") % {"unit": organiser.name}


def full_name(unit: OrgUnit) -> str:
    """The unit as a certificate names it: a group with its village, a village with its
    township, a township with its county (names repeat across parents)."""
    parent = unit.parent
    if parent is None or unit.level <= Level.COUNTY:
        return unit.name
    return f"{parent.name}{unit.name}"


# The titles as a certificate names them: the association is a 计生协会, and only 五好 is quoted
# (a quoted label inside the sentence's quotes read ““五好”协会小组”).
CERTIFICATE_TITLES = {
    TitleKind.FIVE_GOOD_GROUP: gettext_lazy("five-good family-planning association group"),
    TitleKind.QUALIFIED_VILLAGE: gettext_lazy("qualified village family-planning association"),
    TitleKind.FIRST_CLASS_VILLAGE: gettext_lazy("first-class village family-planning association"),
    TitleKind.ADVANCED_TOWNSHIP: gettext_lazy("advanced township family-planning association"),
}


def issuing_unit(round_: Round, title: str) -> OrgUnit:
    """Who issues the round's title: the organiser, or the city when the title's chain ends with
    the city's confirmation (先进乡镇: 报市协会审核认定, so the title is the city's)."""
    round_title = round_.titles.filter(title=title).select_related("standard").first()
    stages = round_title.standard.ordered_stages() if round_title is not None else []
    organiser = round_.organiser
    if stages and stages[-1].level == Level.CITY and organiser.level > Level.CITY:
        return organiser.city or organiser
    return organiser


def certificate_of(title: AwardedTitle) -> Certificate:
    unit = title.unit
    organiser = (
        issuing_unit(title.assessment.round, title.title)
        if title.assessment_id
        else unit.county or unit
    )
    township = unit.township.name if unit.township_id and unit.township_id != unit.pk else ""
    return Certificate(
        unit_name=full_name(unit),
        title=str(CERTIFICATE_TITLES[title.title]),
        year=title.year,
        # A title names its issuer when it was recorded: a city's confirmation (评先) or the body
        # that issued a carried-in title.
        issuer=title.issuer or issuer_of(organiser),
        issued_on=timezone.localtime(title.awarded_at).date(),
        township=township,
        division_code=unit.division_code or "",
    )


def list_title(round_: Round, title: str) -> str:
    return _("%(issuer)s: commendation list of %(title)s, %(year)s") % {
        "issuer": issuer_of(issuing_unit(round_, title)),
        "title": TitleKind(title).label,
        "year": round_.year,
    }


def headers() -> list[str]:
    return [_("No."), _("Unit"), str(Level.TOWNSHIP.label), _("Division code"), _("Awarded on")]


def rows(certificates: list[Certificate]) -> list[list]:
    return [
        [number, c.unit_name, c.township, c.division_code, c.issued_on.isoformat()]
        for number, c in enumerate(certificates, start=1)
    ]


def workbook(round_: Round, title: str, certificates: list[Certificate]) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"strings_to_numbers": False, "strings_to_formulas": False})
    print_sheet(
        book,
        _("Commendation list"),
        list_title(round_, title),
        headers(),
        rows(certificates),
        [6, 30, 16, 16, 12],
    )
    book.close()
    return buffer.getvalue()


def file_name(round_: Round, title: str, what: str, ascii_what: str, extension: str):
    return (
        f"{round_.organiser.name}-{round_.year}-{TitleKind(title).label}-{what}.{extension}",
        f"round-{round_.pk}-{title}-{ascii_what}.{extension}",
    )
