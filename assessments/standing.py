"""Who holds which title in a given year: the one rule (动态管理), used by every page, roll-up,
metric, report, export and API answer. Nothing else decides standing (docs/decisions.md,
Standing).

For one unit and one kind of title, year by year:
- a title awarded (or carried in) for year Y, and not revoked from Y, makes the unit hold it in Y;
- otherwise the title held in Y−1 carries on into Y while Y's rating of that title is open (or not
  held at all); when Y's rating of the title closes without keeping it (not awarded, or due and
  not re-rated), the title lapses from Y;
- a title given a validity in years by its standard (`AwardedTitle.valid_years`) is held from its
  year for that many years, whatever the yearly ratings say, and then lapses;
- a revocation (摘牌) ends the title from its effective year (`revoked_from`, the title's own year
  unless the revoker said later), and no older title carries on past it.

A year's rating of a title "closes" for a unit when a closed round of that year, organised by the
unit or one of its ancestors, assessed the title, or when a round of that year still open has
decided the unit's own rating of the title as not awarded (`closed_ratings`): a group the township
did not rate five-good this year stops counting at once, so the village's item on five-good groups
reads the year's real results.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

# What a year of the timeline says about the title.
AWARDED = "awarded"
CARRIED_IN = "carried_in"
HELD = "held"
LAPSED = "lapsed"
REVOKED = "revoked"
EVENT_LABELS = {
    AWARDED: _("Awarded"),
    CARRIED_IN: _("Carried in"),
    HELD: _("Held"),
    LAPSED: _("Lapsed"),
    REVOKED: pgettext_lazy("title", "Revoked"),
}

Closed = Callable[[int], bool]


@dataclasses.dataclass(frozen=True)
class TitleRow:
    """What the rule reads of one awarded title."""

    id: int
    year: int
    revoked_from: int | None = None  # the effective year of a revocation; None: not revoked
    valid_years: int | None = None  # None: re-rated every year (动态管理)
    carried_in: bool = False

    def counts_as_award_in(self, year: int) -> bool:
        return self.year == year and (self.revoked_from is None or self.revoked_from > year)

    def revoked_in(self, year: int) -> bool:
        return self.revoked_from is not None and max(self.year, self.revoked_from) == year


@dataclasses.dataclass(frozen=True)
class Step:
    """One year of a unit's standing in one title: the title it holds (None: none) and why."""

    year: int
    holding: TitleRow | None
    event: str | None  # AWARDED, CARRIED_IN, HELD, LAPSED, REVOKED; None: nothing to say
    cause: TitleRow | None = None  # the title the event is about (the lapsed or revoked one)


def steps(rows: Iterable[TitleRow], last_year: int, closed: Closed) -> list[Step]:
    """The unit's standing in one title for every year from its first title to `last_year`."""
    rows = sorted(rows, key=lambda r: (r.year, r.id))
    if not rows:
        return []
    out: list[Step] = []
    holding: TitleRow | None = None
    for year in range(rows[0].year, last_year + 1):
        event, cause = None, None
        awards = [r for r in rows if r.counts_as_award_in(year)]
        if awards:
            holding = awards[-1]
            event = CARRIED_IN if holding.carried_in else AWARDED
        elif holding is not None:
            if _lapses(holding, year, closed):
                event, cause, holding = LAPSED, holding, None
            else:
                event = HELD
        # A revocation taking effect this year ends the title it revokes and every older one, so
        # that a superseded title never stands in for a revoked newer one.
        for revoked in (r for r in rows if r.revoked_in(year)):
            if holding is not None and holding.year <= revoked.year:
                event, cause, holding = REVOKED, revoked, None
            elif holding is None and event is None:
                event, cause = REVOKED, revoked
        out.append(Step(year, holding, event, cause))
    return out


def _lapses(holding: TitleRow, year: int, closed: Closed) -> bool:
    if holding.valid_years is not None:
        return year >= holding.year + holding.valid_years
    return closed(year)


def held_years(rows: Iterable[TitleRow], years: Sequence[int], closed: Closed) -> set[int]:
    """The years of `years` in which the unit holds the title."""
    if not years:
        return set()
    wanted = set(years)
    return {s.year for s in steps(rows, max(years), closed) if s.holding and s.year in wanted}


def holding_in(rows: Iterable[TitleRow], year: int, closed: Closed) -> TitleRow | None:
    """The title by which the unit holds the kind in `year`, or None."""
    for step in reversed(steps(rows, year, closed)):
        return step.holding if step.year == year else None
    return None


# --- reading the rows ------------------------------------------------------------------------


ROW_FIELDS = ("id", "year", "status", "revoked_from", "valid_years", "carried_in")


def row_of(values: Sequence) -> TitleRow:
    """A TitleRow from values in ROW_FIELDS order. A revoked title with no effective year (one
    revoked before the year was recorded) is revoked from its own year."""
    pk, year, status, revoked_from, valid_years, carried_in = values
    if status == "revoked" and revoked_from is None:
        revoked_from = year
    elif status != "revoked":
        revoked_from = None
    return TitleRow(pk, year, revoked_from, valid_years, bool(carried_in))


class ClosedRatings:
    """Which years' ratings of which titles have closed, and for which organisers' subtrees."""

    def __init__(self, closed: Iterable[tuple[int, str, int]]):
        self._by = defaultdict(set)
        for organiser_id, title, year in closed:
            self._by[(title, year)].add(organiser_id)

    def for_unit(self, title: str, unit_ids: Iterable[int | None]) -> Closed:
        """Whether a year's rating of `title` has closed for a unit with these ids (its own and
        its ancestors')."""
        ids = {i for i in unit_ids if i is not None}
        return lambda year: bool(self._by.get((title, year), set()) & ids)


def closed_ratings() -> ClosedRatings:
    """Every closed round's titles, by organiser (a handful of rows per county and year), and
    the units whose own rating an open round has decided as not awarded."""
    from assessments.models import Assessment, AssessmentState, RoundStatus, RoundTitle

    closed_rounds = (
        RoundTitle.objects.filter(round__status=RoundStatus.CLOSED)
        .values_list("round__organiser_id", "title", "round__year")
        .order_by()
    )
    # A closed round already covers its own decisions; only the open rounds' ones are added.
    not_kept = (
        Assessment.objects.filter(state=AssessmentState.NOT_AWARDED, round__status=RoundStatus.OPEN)
        .values_list("unit_id", "title", "round__year")
        .order_by()
    )
    return ClosedRatings(closed_rounds.union(not_kept, all=True))


def unit_chain(unit) -> list[int]:
    return [*unit.ancestor_ids(), unit.pk]


def title_years(titles, years: Sequence[int]) -> dict[tuple[int, str], set[int]]:
    """The selector: for a queryset of awarded titles (filtered by unit and kind, never by year),
    the years of `years` in which each (unit, kind) is held."""
    from assessments.models import ANCESTOR_COLUMNS

    if not years:
        return {}
    width = len(ROW_FIELDS)
    grouped: dict[tuple[int, str], tuple[list[TitleRow], tuple]] = {}
    rows = (
        titles.filter(year__lte=max(years))
        .values_list("unit_id", "title", *ROW_FIELDS, *(f"unit__{c}_id" for c in ANCESTOR_COLUMNS))
        .order_by()
    )
    for unit_id, title, *rest in rows:
        entry = grouped.setdefault((unit_id, title), ([], (*rest[width:], unit_id)))
        entry[0].append(row_of(rest[:width]))
    closed = closed_ratings()
    return {
        key: held_years(found, years, closed.for_unit(key[1], chain))
        for key, (found, chain) in grouped.items()
    }


def village_standings(village_ids, years: Sequence[int]) -> dict[int, dict[int, str]]:
    """Each village's standing per year: first_class_village, else qualified_village, else "".
    `village_ids` is a list or a subquery of ids; villages that never held a title are left
    out."""
    from assessments.models import AwardedTitle
    from standards.models import TitleKind

    held = title_years(
        AwardedTitle.objects.filter(
            unit_id__in=village_ids,
            title__in=[TitleKind.QUALIFIED_VILLAGE, TitleKind.FIRST_CLASS_VILLAGE],
        ),
        years,
    )
    result = {}
    for village_id in {unit_id for unit_id, _title in held}:
        first_class = held.get((village_id, TitleKind.FIRST_CLASS_VILLAGE), set())
        qualified = held.get((village_id, TitleKind.QUALIFIED_VILLAGE), set())
        result[village_id] = {
            year: TitleKind.FIRST_CLASS_VILLAGE
            if year in first_class
            else TitleKind.QUALIFIED_VILLAGE
            if year in qualified
            else ""
            for year in years
        }
    return result


@dataclasses.dataclass(frozen=True)
class TimelineEntry:
    year: int
    title: str  # TitleKind value
    event: str
    reason: str

    @property
    def event_label(self) -> str:
        return str(EVENT_LABELS[self.event])


def timeline(unit, last_year: int) -> list[TimelineEntry]:
    """The unit's title timeline up to `last_year`, newest first: each year something happened
    to one of its titles (awarded, carried in, held, lapsed, revoked), with the reason."""
    from assessments.models import AwardedTitle

    titles = {
        t.pk: t
        for t in AwardedTitle.objects.filter(unit=unit, year__lte=last_year).select_related(
            "assessment__round"
        )
    }
    by_kind: dict[str, list[TitleRow]] = defaultdict(list)
    for title in titles.values():
        by_kind[title.title].append(row_of([getattr(title, f) for f in ROW_FIELDS]))
    closed = closed_ratings()
    chain = unit_chain(unit)
    entries = []
    for kind, rows in by_kind.items():
        for step in steps(rows, last_year, closed.for_unit(kind, chain)):
            if step.event is not None:
                about = titles[(step.cause or step.holding).id]
                entries.append(TimelineEntry(step.year, kind, step.event, _reason(step, about)))
    return sorted(entries, key=lambda e: (-e.year, e.title))


def _reason(step: Step, title) -> str:
    if step.event == CARRIED_IN:
        return " ".join(
            p for p in (str(_("Existing title")), title.issuer, title.document_number) if p
        )
    if step.event == AWARDED:
        round_ = title.assessment.round.name if title.assessment_id else ""
        return str(_("Awarded by the year's rating %(round)s") % {"round": round_}).strip()
    if step.event == HELD:
        if title.valid_years is not None:
            return str(
                _("Within its validity of %(n)s years from %(year)s")
                % {"n": title.valid_years, "year": title.year}
            )
        return str(
            _("Title of %(year)s carried on: this year's rating has not closed")
            % {"year": title.year}
        )
    if step.event == LAPSED:
        if title.valid_years is not None:
            return str(_("Its validity of %(n)s years ended") % {"n": title.valid_years})
        return str(_("This year's rating closed without keeping the title"))
    return f"{title.get_revocation_cause_display()}：{title.revocation_reason}"
