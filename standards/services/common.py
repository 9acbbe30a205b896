"""What the standard's writes share: the fields each part keeps, snapshots for the audit trail, the
frozen check and the points' bands.
"""

from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Max
from django.utils.translation import gettext as _

from core.errors import add_error
from standards.files import (
    MAX_POINTS,
)
from standards.models import Item, Section, Stage, Standard

STANDARD_FIELDS = (
    "name",
    "description",
    "pass_total",
    "pass_rule_is_assumption",
    "prerequisite",
    "prerequisite_same_round",
    "validity_years",
)
SECTION_FIELDS = ("name", "points", "min_points", "is_assumption", "note")
ITEM_FIELDS = (
    "number",
    "text",
    "points",
    "guidance",
    "evidence_asked",
    "is_veto",
    "metric",
    "metric_bands",
    "is_assumption",
)
STAGE_FIELDS = ("kind", "level", "is_spot_check")


class FrozenError(ValidationError):
    """The version is pinned by a round."""


def _text(value) -> str:
    return str(value or "").strip()


def _plain(value) -> str | None:
    return None if value is None else str(value)


def standard_snapshot(standard: Standard) -> dict[str, Any]:
    return {
        "name": standard.name,
        "description": standard.description,
        "pass_total": _plain(standard.pass_total),
        "pass_rule_is_assumption": standard.pass_rule_is_assumption,
        "prerequisite": standard.prerequisite,
        "prerequisite_same_round": standard.prerequisite_same_round,
        "validity_years": standard.validity_years,
        "is_example": standard.is_example,
    }


def section_snapshot(section: Section) -> dict[str, Any]:
    return {
        "position": section.position,
        "name": section.name,
        "points": _plain(section.points),
        "min_points": _plain(section.min_points),
        "is_assumption": section.is_assumption,
        "note": section.note,
    }


def item_snapshot(item: Item) -> dict[str, Any]:
    return {
        "section": item.section_id,
        "position": item.position,
        "number": item.number,
        "text": item.text,
        "points": _plain(item.points),
        "guidance": item.guidance,
        "evidence_asked": item.evidence_asked,
        "is_veto": item.is_veto,
        "metric": item.metric,
        "metric_bands": item.metric_bands,
        "is_assumption": item.is_assumption,
    }


def stage_snapshot(stage: Stage) -> dict[str, Any]:
    return {
        "position": stage.position,
        "kind": stage.kind,
        "level": stage.level,
        "is_spot_check": stage.is_spot_check,
    }


def _locked(standard: Standard) -> Standard:
    """The standard as stored now, locked; refused when a round has pinned it."""
    standard = Standard.objects.select_for_update(no_key=True).get(pk=standard.pk)
    if standard.is_frozen:
        raise FrozenError(
            _(
                "Version %(version)s of “%(name)s” is used by an assessment round and can no "
                "longer change. Copy it to a new version and edit that."
            )
            % {"version": standard.version, "name": standard.name}
        )
    return standard


def _points(errors: dict, field: str, value, *, nullable=False) -> Decimal | None:
    if value in (None, ""):
        if not nullable:
            add_error(errors, field, _("Enter the points."))
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        add_error(errors, field, _("Enter a number."))
        return None
    if not number.is_finite() or number < 0 or number > MAX_POINTS:
        add_error(errors, field, _("Enter a number from 0 to 99999.9."))
        return None
    if number != number.quantize(Decimal("0.1")):
        add_error(errors, field, _("Use at most one decimal place."))
        return None
    return number.quantize(Decimal("0.1"))


def parse_bands_text(text: str) -> list[dict]:
    """“50=5；30=3” or one “minimum=score” a line → bands; ValidationError naming the bad part."""
    bands = []
    for part in (
        text.replace("；", ";").replace("，", ";").replace(",", ";").replace("\n", ";").split(";")
    ):
        part = part.strip().replace("＝", "=")
        if not part:
            continue
        minimum, sep, score = part.partition("=")
        try:
            if not sep:
                raise InvalidOperation
            bands.append({"min": Decimal(minimum.strip()), "score": Decimal(score.strip())})
        except InvalidOperation:
            raise ValidationError(
                _("“%(part)s” is not a band; write the minimum and the score as 50=5.")
                % {"part": part}
            ) from None
    return bands


def bands_text(bands: list[dict]) -> str:
    return "；".join(f"{b['min']}={b['score']}" for b in bands)


def _clean_bands(errors: dict, bands, points: Decimal | None, metric: str) -> list[dict]:
    cleaned = []
    seen = set()
    for band in bands or []:
        minimum = _points(errors, "metric_bands", band.get("min"))
        score = _points(errors, "metric_bands", band.get("score"))
        if minimum is None or score is None:
            continue
        if points is not None and score > points:
            add_error(
                errors,
                "metric_bands",
                _("A band's score %(score)s is more than the item's %(points)s points.")
                % {"score": score, "points": points},
            )
        if minimum in seen:
            add_error(
                errors,
                "metric_bands",
                _("Two bands have the same minimum %(min)s.") % {"min": minimum},
            )
        seen.add(minimum)
        cleaned.append({"min": _number_text(minimum), "score": _number_text(score)})
    if cleaned and not metric:
        add_error(errors, "metric_bands", _("Bands need a metric to read."))
    return sorted(cleaned, key=lambda b: Decimal(b["min"]))


def _number_text(number: Decimal) -> str:
    return format(number.normalize(), "f") if number == number.to_integral() else str(number)


def _next_position(queryset) -> int:
    last = queryset.aggregate(m=Max("position"))["m"]
    return 0 if last is None else last + 1
