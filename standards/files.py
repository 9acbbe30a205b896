"""Standards as files: one document per version, in YAML or JSON, checked before any write.

The same document shape serves the shipped defaults (standards/data/*.yaml), `sanlian standards
export/import` and the round-trip test. Every refusal names its place in the document
(`sections[2].items[0].points`) so that an office can fix its file.
"""

import json
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

import yaml
from django.utils.translation import gettext as _

from orgs.models import Level
from standards.models import TITLE_LEVELS, StageKind, TitleKind

LEVEL_NAMES = {
    "province": Level.PROVINCE,
    "city": Level.CITY,
    "county": Level.COUNTY,
    "township": Level.TOWNSHIP,
    "village": Level.VILLAGE,
    "group": Level.GROUP,
}
LEVEL_KEYS = {value: key for key, value in LEVEL_NAMES.items()}
# A standard is a few dozen items; anything this large is not one (and is not parsed).
MAX_FILE_BYTES = 2 * 1024 * 1024
# The largest value a DecimalField(max_digits=6, decimal_places=1) holds.
MAX_POINTS = Decimal("99999.9")

STANDARD_KEYS = {
    "title",
    "name",
    "description",
    "pass_total",
    "pass_rule_is_assumption",
    "prerequisite",
    "prerequisite_same_round",
    "is_example",
    "sections",
    "stages",
    "version",  # written by export, ignored by import: an import always makes a new version
}
SECTION_KEYS = {"name", "points", "min_points", "is_assumption", "note", "items"}
ITEM_KEYS = {
    "number",
    "text",
    "points",
    "guidance",
    "evidence_asked",
    "is_veto",
    "metric",
    "metric_bands",
    "is_assumption",
}
STAGE_KEYS = {"kind", "level", "is_spot_check"}


class UnreadableFile(Exception):
    """The file cannot be read or parsed at all (exit code 2)."""


@dataclass
class ItemData:
    number: str
    text: str
    points: Decimal
    guidance: str = ""
    evidence_asked: str = ""
    is_veto: bool = False
    metric: str = ""
    metric_bands: list = field(default_factory=list)
    is_assumption: bool = False


@dataclass
class SectionData:
    name: str
    points: Decimal
    min_points: Decimal | None = None
    is_assumption: bool = False
    note: str = ""
    items: list[ItemData] = field(default_factory=list)


@dataclass
class StageData:
    kind: str
    level: int
    is_spot_check: bool = False


@dataclass
class StandardData:
    title: str
    name: str
    description: str = ""
    pass_total: Decimal = Decimal("0")
    pass_rule_is_assumption: bool = False
    prerequisite: str = ""
    prerequisite_same_round: bool = True
    is_example: bool = True
    sections: list[SectionData] = field(default_factory=list)
    stages: list[StageData] = field(default_factory=list)


def read_document(path: str | Path) -> object:
    """The parsed content of a .yaml/.yml/.json file; UnreadableFile when it cannot be read."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in {".yaml", ".yml", ".json"}:
        raise UnreadableFile(_("The file must end in .yaml, .yml or .json."))
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise UnreadableFile(
                _("The file is larger than %(size)s MB; a standard is much smaller.")
                % {"size": MAX_FILE_BYTES // (1024 * 1024)}
            )
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UnreadableFile(_("No such file: %(path)s") % {"path": path}) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UnreadableFile(
            _("The file cannot be read as UTF-8 text: %(error)s") % {"error": exc}
        ) from None
    try:
        if suffix == ".json":
            return json.loads(text)
        return yaml.safe_load(text)
    except json.JSONDecodeError as exc:
        raise UnreadableFile(
            _("Not valid JSON (line %(line)s, column %(column)s): %(error)s")
            % {"line": exc.lineno, "column": exc.colno, "error": exc.msg}
        ) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = (
            _(" (line %(line)s, column %(column)s)")
            % {"line": mark.line + 1, "column": mark.column + 1}
            if mark
            else ""
        )
        raise UnreadableFile(
            _("Not valid YAML%(where)s: %(error)s")
            % {"where": where, "error": getattr(exc, "problem", None) or exc}
        ) from None


class _Checker:
    """Collects every error with its place; values that fail come back as None."""

    def __init__(self):
        self.errors: list[str] = []

    def error(self, place: str, message: str) -> None:
        self.errors.append(f"{place}: {message}")

    def mapping(self, value, place: str, allowed: set[str]) -> dict | None:
        if not isinstance(value, dict):
            self.error(place, _("must be a mapping of fields."))
            return None
        for key in value:
            if key not in allowed:
                self.error(f"{place}.{key}" if place else str(key), _("unknown field."))
        return value

    def text(self, data: dict, key: str, place: str, *, required=False, max_length=None):
        value = data.get(key, "")
        if value is None:
            value = ""
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)  # YAML reads an item number such as 1 as an integer
        if not isinstance(value, str):
            self.error(place, _("must be text."))
            return None
        value = value.strip()
        if required and not value:
            self.error(place, _("must not be empty."))
            return None
        if max_length and len(value) > max_length:
            self.error(
                place,
                _("is %(length)s characters long; at most %(max)s are allowed.")
                % {"length": len(value), "max": max_length},
            )
            return None
        return value

    def flag(self, data: dict, key: str, place: str, default: bool) -> bool:
        value = data.get(key, default)
        if not isinstance(value, bool):
            self.error(place, _("must be true or false."))
            return default
        return value

    def number(self, value, place: str, *, nullable=False) -> Decimal | None:
        if value is None:
            if not nullable:
                self.error(place, _("is required."))
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            self.error(place, _("must be a number."))
            return None
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation:
            self.error(place, _("must be a number."))
            return None
        if not number.is_finite() or number < 0:
            self.error(place, _("must be a number of zero or more."))
            return None
        if number > MAX_POINTS:
            self.error(place, _("must be at most %(max)s.") % {"max": MAX_POINTS})
            return None
        if number != number.quantize(Decimal("0.1")):
            self.error(place, _("may have at most one decimal place."))
            return None
        return number.quantize(Decimal("0.1"))


def parse_standard(document: object) -> tuple[StandardData | None, list[str]]:
    """Check a whole document; the data when it is sound, else None and every error found."""
    from standards.metrics import METRICS

    check = _Checker()
    data = check.mapping(document, "", STANDARD_KEYS)
    if data is None:
        return None, [_("The file must hold one standard: a mapping with title, name, …")]

    title = data.get("title")
    if title not in TitleKind.values:
        check.error(
            "title",
            _("“%(value)s” is not a title; use one of %(choices)s.")
            % {"value": title, "choices": ", ".join(TitleKind.values)},
        )
        title = None
    standard = StandardData(
        title=title or "",
        name=check.text(data, "name", "name", required=True, max_length=200) or "",
        description=check.text(data, "description", "description") or "",
        pass_total=check.number(data.get("pass_total", 0), "pass_total") or Decimal("0"),
        pass_rule_is_assumption=check.flag(
            data, "pass_rule_is_assumption", "pass_rule_is_assumption", False
        ),
        prerequisite_same_round=check.flag(
            data, "prerequisite_same_round", "prerequisite_same_round", True
        ),
        is_example=check.flag(data, "is_example", "is_example", True),
    )
    prerequisite = data.get("prerequisite") or ""
    if prerequisite and prerequisite not in TitleKind.values:
        check.error(
            "prerequisite",
            _("“%(value)s” is not a title; use one of %(choices)s, or leave it empty.")
            % {"value": prerequisite, "choices": ", ".join(TitleKind.values)},
        )
    elif prerequisite and prerequisite == title:
        check.error("prerequisite", _("a title cannot be its own prerequisite."))
    else:
        standard.prerequisite = prerequisite

    sections = data.get("sections")
    if not isinstance(sections, list) or not sections:
        check.error("sections", _("must be a list with at least one section."))
        sections = []
    numbers: dict[str, str] = {}
    for s_index, raw_section in enumerate(sections):
        place = f"sections[{s_index}]"
        raw = check.mapping(raw_section, place, SECTION_KEYS)
        if raw is None:
            continue
        section = SectionData(
            name=check.text(raw, "name", f"{place}.name", required=True, max_length=100) or "",
            points=check.number(raw.get("points"), f"{place}.points") or Decimal("0"),
            min_points=check.number(raw.get("min_points"), f"{place}.min_points", nullable=True),
            is_assumption=check.flag(raw, "is_assumption", f"{place}.is_assumption", False),
            note=check.text(raw, "note", f"{place}.note") or "",
        )
        if section.min_points is not None and section.min_points > section.points:
            check.error(
                f"{place}.min_points",
                _("the minimum %(minimum)s is more than the section's %(points)s points.")
                % {"minimum": section.min_points, "points": section.points},
            )
        items = raw.get("items")
        if not isinstance(items, list) or not items:
            check.error(f"{place}.items", _("must be a list with at least one item."))
            items = []
        for i_index, raw_item in enumerate(items):
            item_place = f"{place}.items[{i_index}]"
            item = _parse_item(check, raw_item, item_place, METRICS)
            if item is None:
                continue
            if item.number:
                if item.number in numbers:
                    check.error(
                        f"{item_place}.number",
                        _("item number “%(number)s” is already used at %(other)s.")
                        % {"number": item.number, "other": numbers[item.number]},
                    )
                else:
                    numbers[item.number] = item_place
            section.items.append(item)
        item_sum = sum((item.points for item in section.items), Decimal("0"))
        if len(section.items) == len(items) and item_sum != section.points:
            check.error(
                f"{place}.points",
                _("the section has %(points)s points but its items add up to %(sum)s.")
                % {"points": section.points, "sum": item_sum},
            )
        standard.sections.append(section)

    total = sum((s.points for s in standard.sections), Decimal("0"))
    if standard.pass_total > total:
        check.error(
            "pass_total",
            _("the minimum total %(minimum)s is more than the standard's %(total)s points.")
            % {"minimum": standard.pass_total, "total": total},
        )

    standard.stages = _parse_stages(check, data.get("stages"), title)
    if check.errors:
        return None, check.errors
    return standard, []


def _parse_item(check: _Checker, raw_item, place: str, metrics) -> ItemData | None:
    raw = check.mapping(raw_item, place, ITEM_KEYS)
    if raw is None:
        return None
    item = ItemData(
        number=check.text(raw, "number", f"{place}.number", required=True, max_length=10) or "",
        text=check.text(raw, "text", f"{place}.text", required=True) or "",
        points=check.number(raw.get("points"), f"{place}.points") or Decimal("0"),
        guidance=check.text(raw, "guidance", f"{place}.guidance") or "",
        evidence_asked=check.text(raw, "evidence_asked", f"{place}.evidence_asked") or "",
        is_veto=check.flag(raw, "is_veto", f"{place}.is_veto", False),
        metric=check.text(raw, "metric", f"{place}.metric", max_length=40) or "",
        is_assumption=check.flag(raw, "is_assumption", f"{place}.is_assumption", False),
    )
    if item.metric and item.metric not in metrics:
        check.error(
            f"{place}.metric",
            _("“%(value)s” is not a metric; use one of %(choices)s.")
            % {"value": item.metric, "choices": ", ".join(sorted(metrics))},
        )
    item.metric_bands = parse_bands(check, raw.get("metric_bands"), f"{place}.metric_bands", item)
    return item


def parse_bands(check: _Checker, bands, place: str, item: ItemData) -> list[dict]:
    """Bands as stored: [{"min": "50", "score": "5"}, …] sorted by minimum (strings keep the
    decimals exact in JSON)."""
    if bands in (None, ""):
        return []
    if not isinstance(bands, list):
        check.error(place, _("must be a list of {min, score} pairs."))
        return []
    if bands and not item.metric:
        check.error(place, _("bands need a metric to read."))
    parsed = []
    seen = set()
    for b_index, band in enumerate(bands):
        band_place = f"{place}[{b_index}]"
        raw = check.mapping(band, band_place, {"min", "score"})
        if raw is None:
            continue
        minimum = check.number(raw.get("min"), f"{band_place}.min")
        score = check.number(raw.get("score"), f"{band_place}.score")
        if minimum is None or score is None:
            continue
        if score > item.points:
            check.error(
                f"{band_place}.score",
                _("the score %(score)s is more than the item's %(points)s points.")
                % {"score": score, "points": item.points},
            )
        if minimum in seen:
            check.error(f"{band_place}.min", _("another band has the same minimum."))
        seen.add(minimum)
        parsed.append({"min": _plain(minimum), "score": _plain(score)})
    return sorted(parsed, key=lambda b: Decimal(b["min"]))


def _parse_stages(check: _Checker, stages, title) -> list[StageData]:
    if not isinstance(stages, list) or len(stages) < 2:
        check.error(
            "stages", _("must be a list of at least two stages: the applicant's and a review.")
        )
        return []
    parsed: list[StageData] = []
    for index, raw_stage in enumerate(stages):
        place = f"stages[{index}]"
        raw = check.mapping(raw_stage, place, STAGE_KEYS)
        if raw is None:
            continue
        kind = raw.get("kind")
        if kind not in StageKind.values:
            check.error(
                f"{place}.kind",
                _("“%(value)s” is not a stage; use one of %(choices)s.")
                % {"value": kind, "choices": ", ".join(StageKind.values)},
            )
            continue
        level = LEVEL_NAMES.get(raw.get("level"))
        if level is None or level == Level.GROUP:
            check.error(
                f"{place}.level",
                _("“%(value)s” is not an acting level; use one of %(choices)s.")
                % {
                    "value": raw.get("level"),
                    "choices": ", ".join(k for k in LEVEL_NAMES if k != "group"),
                },
            )
            continue
        if parsed and level > parsed[-1].level:
            check.error(
                f"{place}.level",
                _("a later stage cannot act at a lower level than the stage before it."),
            )
        stage = StageData(
            kind=kind,
            level=level,
            is_spot_check=check.flag(raw, "is_spot_check", f"{place}.is_spot_check", False),
        )
        if index == 0 and stage.is_spot_check:
            check.error(
                f"{place}.is_spot_check", _("the applicant's own stage cannot be a spot check.")
            )
        parsed.append(stage)
    if title and parsed:
        applicant = TITLE_LEVELS[title]
        # A group's first stage is its village council's rating.
        expected = Level.VILLAGE if applicant == Level.GROUP else applicant
        if parsed[0].level != expected:
            check.error(
                "stages[0].level",
                _("the first stage of this title acts at the %(level)s level.")
                % {"level": LEVEL_KEYS[expected]},
            )
    return parsed


def _plain(number: Decimal) -> str:
    """50.0 → "50", 2.5 → "2.5"."""
    return format(number.normalize(), "f") if number == number.to_integral() else str(number)


def _number(value) -> int | float:
    value = Decimal(str(value))
    return int(value) if value == value.to_integral() else float(value)


def standard_to_document(standard) -> dict:
    """The file form of a stored standard: what import reads back into an equal version."""
    document = {
        "title": standard.title,
        "version": standard.version,
        "name": standard.name,
        "description": standard.description,
        "pass_total": _number(standard.pass_total),
        "pass_rule_is_assumption": standard.pass_rule_is_assumption,
        "prerequisite": standard.prerequisite,
        "prerequisite_same_round": standard.prerequisite_same_round,
        "is_example": standard.is_example,
        "sections": [],
        "stages": [],
    }
    for section in standard.sections.order_by("position").prefetch_related("items"):
        document["sections"].append(
            {
                "name": section.name,
                "points": _number(section.points),
                "min_points": None if section.min_points is None else _number(section.min_points),
                "is_assumption": section.is_assumption,
                "note": section.note,
                "items": [
                    {
                        "number": item.number,
                        "text": item.text,
                        "points": _number(item.points),
                        "guidance": item.guidance,
                        "evidence_asked": item.evidence_asked,
                        "is_veto": item.is_veto,
                        "metric": item.metric,
                        "metric_bands": [
                            {"min": _number(b["min"]), "score": _number(b["score"])}
                            for b in item.metric_bands
                        ],
                        "is_assumption": item.is_assumption,
                    }
                    for item in sorted(section.items.all(), key=lambda i: i.position)
                ],
            }
        )
    for stage in standard.stages.order_by("position"):
        document["stages"].append(
            {
                "kind": stage.kind,
                "level": LEVEL_KEYS[stage.level],
                "is_spot_check": stage.is_spot_check,
            }
        )
    return document


def write_document(document: dict, path: str | Path) -> None:
    path = Path(path)
    if path.suffix.lower() == ".json":
        text = json.dumps(document, ensure_ascii=False, indent=2) + "\n"
    else:
        text = yaml.safe_dump(document, allow_unicode=True, sort_keys=False, width=100)
    path.write_text(text, encoding="utf-8")


def build_standard(
    data: StandardData,
    *,
    models,
    version: int,
    created_by=None,
    unit=None,
    based_on=None,
):
    """Write a checked document as a new version; `models` is an app registry (a migration's
    historical one, or django.apps.apps), so the shipped defaults install from a migration too."""
    Standard = models.get_model("standards", "Standard")
    Section = models.get_model("standards", "Section")
    Item = models.get_model("standards", "Item")
    Stage = models.get_model("standards", "Stage")
    standard = Standard.objects.create(
        title=data.title,
        version=version,
        name=data.name,
        description=data.description,
        pass_total=data.pass_total,
        pass_rule_is_assumption=data.pass_rule_is_assumption,
        prerequisite=data.prerequisite,
        prerequisite_same_round=data.prerequisite_same_round,
        is_example=data.is_example,
        created_by=created_by,
        unit=unit,
        based_on=based_on,
    )
    for s_pos, section_data in enumerate(data.sections):
        section = Section.objects.create(
            standard=standard,
            position=s_pos,
            name=section_data.name,
            points=section_data.points,
            min_points=section_data.min_points,
            is_assumption=section_data.is_assumption,
            note=section_data.note,
        )
        Item.objects.bulk_create(
            Item(
                section=section,
                position=i_pos,
                number=item.number,
                text=item.text,
                points=item.points,
                guidance=item.guidance,
                evidence_asked=item.evidence_asked,
                is_veto=item.is_veto,
                metric=item.metric,
                metric_bands=item.metric_bands,
                is_assumption=item.is_assumption,
            )
            for i_pos, item in enumerate(section_data.items)
        )
    Stage.objects.bulk_create(
        Stage(
            standard=standard,
            position=position,
            kind=stage.kind,
            level=stage.level,
            is_spot_check=stage.is_spot_check,
        )
        for position, stage in enumerate(data.stages)
    )
    return standard


def next_version(models, title: str) -> int:
    Standard = models.get_model("standards", "Standard")
    last = Standard.objects.filter(title=title).order_by("-version").first()
    return (last.version if last else 0) + 1
