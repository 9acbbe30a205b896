"""Loading many org units at once, for `sanlian demo` and `sanlian generate`.

`BulkLoader` inserts units with `bulk_create` in batches and then fills each unit's own ancestor
column with one UPDATE per batch, so that every row ends up exactly as
`orgs.services.do_create_unit` would have written it (the columns above its level copied from its
parent, its own column pointing at itself, the columns below it NULL). A bulk load writes one
audit event per run (`record_bulk_load`), not one per unit.

`generate_tree` streams a large tree: it holds one batch of townships with their villages, and at
most `batch_size` groups, in memory at a time, whatever the size of the whole tree.
"""

import contextlib
import math
import random
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import F
from django.db.models.functions import Substr
from django.utils.translation import gettext as _

from audit.models import Result
from audit.services import record_event
from orgs import signals
from orgs.actions import OrgAction
from orgs.demo_names import NamePicker, group_name
from orgs.models import LEVEL_COLUMNS, Category, Level, OrgUnit, Status
from orgs.services import copy_ancestor_columns, normalise_unit

DEFAULT_BATCH_SIZE = 1000
BULK_LOAD_ACTION = OrgAction.BULK_LOAD

# Code space under one parent: cities and counties take two digits, townships and villages three.
MAX_CITIES = 99
MAX_COUNTIES_PER_CITY = 99
MAX_TOWNSHIPS_PER_COUNTY = 999
MAX_VILLAGES_PER_TOWNSHIP = 999


class BulkLoader:
    """Inserts org units in batches and counts them per level.

    A unit's parent (and home village) must already be saved, with its ancestor columns set on the
    instance in memory; that holds for every unit this loader inserted and for units read back
    from the database.
    """

    def __init__(self, batch_size: int = DEFAULT_BATCH_SIZE):
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        self.batch_size = batch_size
        self.counts: dict[int, int] = dict.fromkeys(Level.values, 0)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def insert(self, units: Sequence[OrgUnit]) -> Sequence[OrgUnit]:
        """Insert a list of units (any levels, parents first); they come back with their pks."""
        for start in range(0, len(units), self.batch_size):
            self._insert_batch(list(units[start : start + self.batch_size]))
        return units

    def insert_stream(self, units: Iterable[OrgUnit]) -> None:
        """Insert units drawn from an iterator, holding at most one batch in memory."""
        batch: list[OrgUnit] = []
        for unit in units:
            batch.append(unit)
            if len(batch) >= self.batch_size:
                self._insert_batch(batch)
                batch = []
        if batch:
            self._insert_batch(batch)

    def _insert_batch(self, batch: list[OrgUnit]) -> None:
        for unit in batch:
            parent = unit.parent
            if parent is not None and parent.pk is None:
                raise ValueError(f"The parent of {unit.name} is not saved yet.")
            normalise_unit(unit)
            copy_ancestor_columns(unit, parent)
        OrgUnit.objects.bulk_create(batch)
        own: dict[int, list[OrgUnit]] = {}
        for unit in batch:
            if unit.pk is None:  # bulk_create returns pks on SQLite ≥ 3.35 and PostgreSQL
                raise RuntimeError("The database did not return the primary keys of new rows.")
            self.counts[unit.level] += 1
            if unit.level in LEVEL_COLUMNS:
                own.setdefault(unit.level, []).append(unit)
        # Each unit's column for its own level points at itself: one UPDATE per level and batch.
        for level, units in own.items():
            column = LEVEL_COLUMNS[level]
            OrgUnit.objects.filter(pk__in=[u.pk for u in units]).update(**{column: F("pk")})
            for unit in units:
                setattr(unit, f"{column}_id", unit.pk)


def set_totals(unit: OrgUnit, population: int | None, households: int | None) -> None:
    """Write a population roll-up computed during a load (no audit event of its own)."""
    OrgUnit.objects.filter(pk=unit.pk).update(population=population, households=households)
    unit.population, unit.households = population, households


def refresh_statistics() -> None:
    """Let PostgreSQL's planner see the new rows now rather than at the next autovacuum; with
    stale statistics it plans seq scans as if the table were still empty."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(OrgUnit._meta.db_table)}")


def count_summary(counts: dict[int, int]) -> dict[str, int]:
    """Counts keyed by level name (province … group) plus the total, for events and output."""
    summary = {Level(level).name.lower(): n for level, n in sorted(counts.items())}
    summary["total"] = sum(counts.values())
    return summary


def record_bulk_load(*, root: OrgUnit, counts: dict[int, int], result=Result.OK, **details):
    """The one audit event of a bulk load, scoped to the unit the load hangs under; a complete
    load also tells the apps above (`signals.units_loaded`), since bulk writes send no model
    signals."""
    event = record_event(
        actor=None,
        action=BULK_LOAD_ACTION,
        object_type="orgs.orgunit",
        object_id=root.pk,
        object_label=root.name,
        unit_id=root.pk,
        after={"units": count_summary(counts), **details},
        result=result,
    )
    if result == Result.OK:
        signals.units_loaded.send(sender=BULK_LOAD_ACTION, root=root)
    return event


def split_evenly(total: int, parts: int) -> list[int]:
    """`total` items over `parts` holders; the first ones take one more when it does not divide."""
    base, extra = divmod(total, parts)
    return [base + (1 if i < extra else 0) for i in range(parts)]


def households_for(rng: random.Random, population: int) -> int:
    """About 3.2 people a household, as in rural Hunan."""
    return max(1, min(population, round(population / rng.uniform(2.9, 3.5))))


def used_code_prefixes(length: int, startswith: str = "") -> set[str]:
    """The first `length` digits of every division code (under `startswith`) in the database."""
    codes = OrgUnit.objects.exclude(division_code=None)
    if startswith:
        codes = codes.filter(division_code__startswith=startswith)
    return set(
        codes.annotate(prefix=Substr("division_code", 1, length))
        .values_list("prefix", flat=True)
        .distinct()
    )


def free_province_prefix() -> str:
    """Two leading digits no code in the database starts with, from 99 downwards (real provinces
    use 11–82, so generated trees keep clear of them while there is room)."""
    used = used_code_prefixes(2)
    for n in range(99, 9, -1):
        if f"{n:02d}" not in used:
            return f"{n:02d}"
    raise ValueError(_("Every province code is taken; no new province can be generated."))


@dataclass(frozen=True)
class GenerateOptions:
    townships: int
    villages_per_township: int
    groups_per_village: int = 10
    counties: int = 1
    cities: int = 1
    seed: int = 0
    batch_size: int = DEFAULT_BATCH_SIZE
    parent_code: str | None = None

    def problems(self) -> list[str]:
        problems = []
        if self.townships < 1 or self.counties < 1 or self.cities < 1:
            problems.append(_("There must be at least one city, county and township."))
        if self.villages_per_township < 0 or self.groups_per_village < 0:
            problems.append(_("Villages and groups cannot be negative."))
        if self.batch_size < 1:
            problems.append(_("The batch size must be at least 1."))
        if problems:
            return problems
        if self.parent_code and self.cities != 1:
            problems.append(_("With --parent-code the counties go under that city; omit --cities."))
        if self.cities > MAX_CITIES:
            problems.append(_("At most %(n)d cities fit in one province.") % {"n": MAX_CITIES})
        if self.counties > MAX_COUNTIES_PER_CITY * self.cities:
            problems.append(
                _("At most %(n)d counties fit in one city.") % {"n": MAX_COUNTIES_PER_CITY}
            )
        if math.ceil(self.townships / self.counties) > MAX_TOWNSHIPS_PER_COUNTY:
            problems.append(
                _("At most %(n)d townships fit in one county; add counties.")
                % {"n": MAX_TOWNSHIPS_PER_COUNTY}
            )
        if self.villages_per_township > MAX_VILLAGES_PER_TOWNSHIP:
            problems.append(
                _("At most %(n)d villages fit in one township.") % {"n": MAX_VILLAGES_PER_TOWNSHIP}
            )
        return problems


@dataclass
class GenerateResult:
    root: OrgUnit
    counts: dict[int, int]
    seconds: float
    transactions: int = 0


class _Generator:
    """One run of `generate_tree`. Memory: the counties (ids and running totals), one batch of
    townships with their villages, and at most `batch_size` groups."""

    def __init__(
        self,
        options: GenerateOptions,
        progress: Callable[[str], None] | None,
        after_batch: Callable[[], None] | None,
    ):
        self.options = options
        self.progress = progress or (lambda message: None)
        self.after_batch = after_batch or (lambda: None)
        self.rng = random.Random(options.seed)
        self.names = NamePicker(self.rng)
        self.loader = BulkLoader(options.batch_size)
        self.transactions = 0
        self.committed: dict[int, int] = dict(self.loader.counts)  # as of the last commit

    # The levels above the townships, in one transaction.

    def create_upper_levels(self) -> tuple[OrgUnit, list[OrgUnit], list[OrgUnit]]:
        options = self.options
        if options.parent_code:
            city = OrgUnit.objects.filter(
                division_code=options.parent_code, level=Level.CITY, status=Status.ACTIVE
            ).first()
            if city is None:
                raise ValueError(
                    _("No active city has the division code %(code)s.")
                    % {"code": options.parent_code}
                )
            return city, [city], self._create_counties([city])
        prefix = free_province_prefix()
        root_names = set(
            OrgUnit.objects.filter(parent=None, status=Status.ACTIVE).values_list("name", flat=True)
        )
        province = OrgUnit(
            name=self.names.place("省", root_names),
            level=Level.PROVINCE,
            division_code=f"{prefix}0000",
        )
        self.loader.insert([province])
        used: set[str] = set()
        cities = [
            OrgUnit(
                parent=province,
                name=self.names.place("市", used),
                level=Level.CITY,
                division_code=f"{prefix}{n:02d}00",
            )
            for n in range(1, options.cities + 1)
        ]
        self.loader.insert(cities)
        return province, cities, self._create_counties(cities)

    def _create_counties(self, cities: list[OrgUnit]) -> list[OrgUnit]:
        counties = []
        for city, n in zip(cities, split_evenly(self.options.counties, len(cities)), strict=True):
            taken = used_code_prefixes(6, startswith=city.division_code[:4])
            free = [
                code
                for code in (f"{city.division_code[:4]}{i:02d}" for i in range(1, 100))
                if code not in taken
            ]
            if len(free) < n:
                raise ValueError(
                    _("The city %(name)s has room for only %(n)d more counties.")
                    % {"name": city.name, "n": len(free)}
                )
            used = set(
                OrgUnit.objects.filter(parent=city, status=Status.ACTIVE).values_list(
                    "name", flat=True
                )
            )
            counties += [
                OrgUnit(
                    parent=city,
                    name=self.names.place("县", used),
                    level=Level.COUNTY,
                    division_code=code,
                )
                for code in free[:n]
            ]
        self.loader.insert(counties)
        return counties

    # Townships, villages and groups, one transaction per batch of townships.

    def township_batch_size(self) -> int:
        options = self.options
        rows = 1 + options.villages_per_township * (1 + options.groups_per_village)
        return max(1, options.batch_size // rows)

    def fill_county(self, county: OrgUnit, townships: int) -> tuple[int, int]:
        """Create the county's townships batch by batch; returns its population and households."""
        used_names: set[str] = set()
        population = households = 0
        step = self.township_batch_size()
        for first in range(1, townships + 1, step):
            numbers = range(first, min(first + step, townships + 1))
            with transaction.atomic():
                batch_population, batch_households = self._township_batch(
                    county, numbers, used_names
                )
            self.transactions += 1
            self.committed = dict(self.loader.counts)
            self.after_batch()
            population += batch_population
            households += batch_households
        return population, households

    def _township_category(self) -> str:
        draw = self.rng.random()
        if draw < 0.1:
            return Category.STREET
        return Category.TOWN if draw < 0.55 else Category.TOWNSHIP

    def _village_fields(self, township_category: str, code: str, used: set[str]) -> dict:
        draw = self.rng.random()
        if township_category == Category.STREET:
            category = Category.COMMUNITY if draw < 0.85 else Category.VILLAGE
        elif draw < 0.02:
            category = Category.ENTERPRISE
        else:
            category = Category.COMMUNITY if draw < 0.12 else Category.VILLAGE
        if category == Category.ENTERPRISE:
            return {
                "name": self.names.enterprise(used),
                "category": category,
                "population": self.rng.randint(150, 1200),
            }
        if category == Category.COMMUNITY:
            name, population = self.names.community(used), self.rng.randint(1500, 6000)
        else:
            name, population = self.names.village(used), self.rng.randint(800, 4000)
        return {
            "name": name,
            "category": category,
            "division_code": code,
            "population": population,
            "households": households_for(self.rng, population),
            "is_key_village": category == Category.VILLAGE and self.rng.random() < 0.125,
        }

    def _township_batch(
        self, county: OrgUnit, numbers: range, used_names: set[str]
    ) -> tuple[int, int]:
        options = self.options
        townships: list[OrgUnit] = []
        plans: list[list[dict]] = []
        for number in numbers:
            category = self._township_category()
            code = f"{county.division_code}{number:03d}"
            used_villages: set[str] = set()
            plan = [
                self._village_fields(category, f"{code}{v:03d}", used_villages)
                for v in range(1, options.villages_per_township + 1)
            ]
            places = [p for p in plan if p["category"] != Category.ENTERPRISE]
            if category == Category.STREET:
                name = self.names.street(used_names)
            else:
                name = self.names.place("镇" if category == Category.TOWN else "乡", used_names)
            townships.append(
                OrgUnit(
                    parent=county,
                    name=name,
                    level=Level.TOWNSHIP,
                    category=category,
                    division_code=code,
                    population=sum(p["population"] for p in places) or None,
                    households=sum(p["households"] for p in places) or None,
                )
            )
            plans.append(plan)
        self.loader.insert(townships)
        villages = [
            OrgUnit(parent=township, level=Level.VILLAGE, **fields)
            for township, plan in zip(townships, plans, strict=True)
            for fields in plan
        ]
        self.loader.insert(villages)
        groups = options.groups_per_village
        self.loader.insert_stream(
            OrgUnit(parent=village, level=Level.GROUP, name=group_name(n))
            for village in villages
            for n in range(1, groups + 1)
        )
        return (
            sum(t.population or 0 for t in townships),
            sum(t.households or 0 for t in townships),
        )


def generate_tree(
    options: GenerateOptions,
    progress: Callable[[str], None] | None = None,
    after_batch: Callable[[], None] | None = None,
) -> GenerateResult:
    """Build a tree of the given shape, committing per batch of townships (see the module doc).

    `progress` receives a line per county; `after_batch` runs after each commit (the command
    clears Django's DEBUG query log there, which would otherwise keep the last 9,000 INSERTs).

    Raises ValueError for options that cannot be met. If a batch fails, the batches before it
    stay committed and a failed `orgs.bulk_load` event records how far the run got.
    """
    problems = options.problems()
    if problems:
        raise ValueError(" ".join(problems))
    started = time.perf_counter()
    run = _Generator(options, progress, after_batch)
    details = {"command": "generate", "seed": options.seed}
    with transaction.atomic():
        root, cities, counties = run.create_upper_levels()
    run.transactions += 1
    run.committed = dict(run.loader.counts)
    county_totals: dict[int, tuple[int, int]] = {}
    try:
        shares = split_evenly(options.townships, len(counties))
        for county, townships in zip(counties, shares, strict=True):
            county_totals[county.pk] = run.fill_county(county, townships)
            run.progress(
                _("%(county)s: %(townships)d townships, %(units)d units so far")
                % {"county": county.name, "townships": townships, "units": run.loader.total}
            )
        with transaction.atomic():
            by_city: dict[int, list[int]] = {}
            for county in counties:
                population, households = county_totals[county.pk]
                set_totals(county, population or None, households or None)
                totals = by_city.setdefault(county.parent_id, [0, 0])
                totals[0] += population
                totals[1] += households
            if not options.parent_code:
                for city in cities:
                    population, households = by_city.get(city.pk, [0, 0])
                    set_totals(city, population or None, households or None)
                set_totals(
                    root,
                    sum(c.population or 0 for c in cities) or None,
                    sum(c.households or 0 for c in cities) or None,
                )
            record_bulk_load(root=root, counts=run.loader.counts, **details)
        run.transactions += 1
    except Exception as error:
        # Never let the failure event hide the error that stopped the load.
        with contextlib.suppress(Exception):
            record_bulk_load(
                root=root,
                counts=run.committed,
                result=Result.FAILED,
                error=str(error)[:500],
                **details,
            )
        raise
    refresh_statistics()
    return GenerateResult(
        root=root,
        counts=run.loader.counts,
        seconds=time.perf_counter() - started,
        transactions=run.transactions,
    )
