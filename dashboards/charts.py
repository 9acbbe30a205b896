"""The JSON specs that static/dashboards/charts.js draws. Every word in them is already
translated here, so the script carries no language of its own."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from dashboards.projections import Outlook

# Okabe–Ito colours: distinguishable for colour-blind readers and still apart in greyscale print.
OUTLOOK_COLOURS = {
    Outlook.ON_TRACK: "#0072B2",
    Outlook.AT_RISK: "#E69F00",
    Outlook.OFF_TRACK: "#D55E00",
}
TARGET_COLOUR = "#D55E00"
NOW_COLOUR = "#9AA5B1"


def number(value: Decimal | float | int | None) -> float | int | None:
    """JSON has no Decimal; keep one decimal place, as the tables show it."""
    if value is None:
        return None
    if isinstance(value, int):
        return value
    return round(float(value), 1)


@dataclass
class Series:
    name: str
    data: Sequence[Decimal | float | int | None]
    colors: Sequence[str | None] | None = None  # per point (the outlook bands)
    color: str = ""  # the whole series, legend included
    hatched: Sequence[bool] | None = None  # per point, drawn over its colour
    dashed: bool = False
    type: str = ""
    target: Decimal | float | None = None
    target_label: str = ""

    def as_json(self) -> dict:
        out: dict = {"name": self.name, "data": [number(v) for v in self.data]}
        if self.colors:
            out["colors"] = list(self.colors)
        if self.color:
            out["color"] = self.color
        if self.hatched and any(self.hatched):
            out["hatched"] = list(self.hatched)
        if self.dashed:
            out["dashed"] = True
        if self.type:
            out["type"] = self.type
        if self.target is not None:
            out["target"] = {"value": number(self.target), "label": self.target_label}
        return out


@dataclass
class Chart:
    """One chart: its element id, caption and spec."""

    id: str
    caption: str
    kind: str  # "bar", "hbar" (the league table) or "line"
    categories: Sequence[str]
    series: list[Series] = field(default_factory=list)
    unit: str = ""
    max: float | None = None
    target: Decimal | float | None = None
    target_label: str = ""
    links: Sequence[str | None] | None = None
    filename: str = ""

    @property
    def spec_id(self) -> str:
        return f"{self.id}-spec"

    def spec(self) -> dict:
        spec: dict = {
            "kind": self.kind,
            "categories": list(self.categories),
            "series": [s.as_json() for s in self.series],
            "unit": self.unit,
            "filename": self.filename or self.id,
        }
        if self.max is not None:
            spec["max"] = self.max
        if self.target is not None:
            spec["target"] = {"value": number(self.target), "label": self.target_label}
        if self.links is not None:
            spec["links"] = list(self.links)
        return spec
