"""The demo tree: a province, a city and two counties planned from a seed and bulk-inserted.

The tree is planned in memory from a seeded random generator (a few thousand units) and inserted
level by level with `orgs.bulk.BulkLoader`, with one `orgs.bulk_load` audit event. The `sanlian
demo` command (in the project package) calls `build_demo_tree` inside its transaction and adds the
accounts and the registers.
"""

import random
from dataclasses import dataclass, field

from orgs.bulk import BulkLoader, households_for, record_bulk_load
from orgs.demo_names import NamePicker, group_name, migrant_group_name
from orgs.models import Category, Level, OrgUnit

DEFAULT_SEED = 319

# The fixed top of the demo tree (fictional names; 48 is not a real province code).
PROVINCE = ("湘中省", "480000")
CITY = ("潇湘市", "480100")
MAIN_COUNTY = ("青溪县", "480121")
SECOND_COUNTY = ("凤岭县", "480124")

# Shape of the main county: 2 streets, 12 towns and townships, 1 urban branch.
STREETS = 2
ORDINARY_TOWNSHIPS = 12
VILLAGES_IN_ORDINARY_TOWNSHIPS = 284
ENTERPRISE_ASSOCIATIONS = 4
URBAN_BRANCH_GROUPS = 8
# Shape of the second county: 4 townships, 40 villages.
SECOND_COUNTY_TOWNSHIPS = 4
SECOND_COUNTY_VILLAGES = 40


@dataclass
class _Plan:
    """One unit to create: its fields, its children and, for a migrant group, its home village."""

    fields: dict
    children: list["_Plan"] = field(default_factory=list)
    home: "_Plan | None" = None
    unit: OrgUnit | None = None

    @property
    def population(self) -> int:
        return self.fields.get("population") or 0

    @property
    def households(self) -> int:
        return self.fields.get("households") or 0


@dataclass
class DemoTree:
    province: OrgUnit
    city: OrgUnit
    county: OrgUnit
    second_county: OrgUnit
    township1: OrgUnit
    township2: OrgUnit
    village1: OrgUnit
    counts: dict[int, int]


class _Planner:
    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        self.names = NamePicker(self.rng)

    def groups(self) -> list[_Plan]:
        return [
            _Plan({"level": Level.GROUP, "name": group_name(n)})
            for n in range(1, self.rng.randint(8, 12) + 1)
        ]

    def place(self, category: str, code: str, used: set[str]) -> _Plan:
        if category == Category.COMMUNITY:
            name, population = self.names.community(used), self.rng.randint(1500, 6000)
        else:
            name, population = self.names.village(used), self.rng.randint(800, 4000)
        fields = {
            "level": Level.VILLAGE,
            "name": name,
            "category": category,
            "division_code": code,
            "population": population,
            "households": households_for(self.rng, population),
            "is_key_village": category == Category.VILLAGE and self.rng.random() < 0.125,
        }
        return _Plan(fields, self.groups())

    def enterprise(self, used: set[str]) -> _Plan:
        fields = {
            "level": Level.VILLAGE,
            "name": self.names.enterprise(used),
            "category": Category.ENTERPRISE,
            "population": self.rng.randint(150, 1200),
        }
        return _Plan(fields, self.groups())

    def township(
        self,
        county_code: str,
        category: str,
        number: int,
        used: set[str],
        *,
        communities: int,
        villages: int,
        enterprises: int = 0,
    ) -> _Plan:
        """Codes follow the statistical convention: streets 0xx, towns 1xx, townships 2xx;
        inside, residential communities 0xx and villages 2xx."""
        code = f"{county_code}{number:03d}"
        if category == Category.STREET:
            name = self.names.street(used)
        else:
            name = self.names.place("镇" if category == Category.TOWN else "乡", used)
        used_below: set[str] = set()
        children = [
            self.place(Category.COMMUNITY, f"{code}{n:03d}", used_below)
            for n in range(1, communities + 1)
        ]
        children += [
            self.place(Category.VILLAGE, f"{code}{200 + n:03d}", used_below)
            for n in range(1, villages + 1)
        ]
        places = list(children)
        children += [self.enterprise(used_below) for _n in range(enterprises)]
        fields = {
            "level": Level.TOWNSHIP,
            "name": name,
            "category": category,
            "division_code": code,
            "population": sum(p.population for p in places),
            "households": sum(p.households for p in places),
        }
        return _Plan(fields, children)

    def sizes(self, total: int, parts: int, minimum: int) -> list[int]:
        sizes = [minimum] * parts
        for _n in range(total - minimum * parts):
            sizes[self.rng.randrange(parts)] += 1
        return sizes

    def ordinary_townships(self, count: int, villages: int) -> tuple[list[str], list[int]]:
        """Categories (the first a town) and village counts adding up to `villages`."""
        categories = [Category.TOWN] + [
            Category.TOWN if self.rng.random() < 0.6 else Category.TOWNSHIP
            for _n in range(count - 1)
        ]
        sizes = self.sizes(villages, count, minimum=villages * 3 // (4 * count))
        return categories, sizes

    def county(self, name: str, code: str, townships: list[_Plan]) -> _Plan:
        fields = {
            "level": Level.COUNTY,
            "name": name,
            "division_code": code,
            "population": sum(t.population for t in townships),
            "households": sum(t.households for t in townships),
        }
        return _Plan(fields, townships)

    def main_county(self) -> tuple[_Plan, _Plan, _Plan]:
        """The main county, and its first two ordinary townships (for the township accounts)."""
        code = MAIN_COUNTY[1]
        used: set[str] = set()
        townships = []
        for number in range(1, STREETS + 1):
            with_village = self.rng.random() < 0.5
            townships.append(
                self.township(
                    code,
                    Category.STREET,
                    number,
                    used,
                    communities=self.rng.randint(7, 10),
                    villages=1 if with_village else 0,
                )
            )
        categories, sizes = self.ordinary_townships(
            ORDINARY_TOWNSHIPS, VILLAGES_IN_ORDINARY_TOWNSHIPS
        )
        town_indexes = [i for i, c in enumerate(categories) if c == Category.TOWN]
        enterprises = [0] * ORDINARY_TOWNSHIPS
        for _n in range(ENTERPRISE_ASSOCIATIONS):
            enterprises[self.rng.choice(town_indexes)] += 1
        ordinary = []
        numbers = {Category.TOWN: 100, Category.TOWNSHIP: 200}
        for category, size, enterprise_count in zip(categories, sizes, enterprises, strict=True):
            numbers[category] += 1
            communities = (
                self.rng.randint(1, 3) if category == Category.TOWN else self.rng.randint(0, 1)
            )
            ordinary.append(
                self.township(
                    code,
                    category,
                    numbers[category],
                    used,
                    communities=communities,
                    villages=size - communities,
                    enterprises=enterprise_count,
                )
            )
        townships += ordinary
        branch = _Plan(
            {"level": Level.TOWNSHIP, "name": "城关分会", "category": Category.URBAN_BRANCH}
        )
        # Migrant groups: each names a different home village (so their names differ too).
        candidates = [
            plan
            for township in ordinary
            for plan in township.children
            if plan.fields["category"] == Category.VILLAGE
        ]
        seen: set[str] = set()
        for plan in self.rng.sample(candidates, len(candidates)):
            if len(branch.children) == URBAN_BRANCH_GROUPS:
                break
            if plan.fields["name"] not in seen:
                seen.add(plan.fields["name"])
                branch.children.append(
                    _Plan(
                        {"level": Level.GROUP, "name": migrant_group_name(plan.fields["name"])},
                        home=plan,
                    )
                )
        townships.append(branch)
        return self.county(*MAIN_COUNTY, townships), ordinary[0], ordinary[1]

    def second_county(self) -> _Plan:
        code = SECOND_COUNTY[1]
        used: set[str] = set()
        categories, sizes = self.ordinary_townships(SECOND_COUNTY_TOWNSHIPS, SECOND_COUNTY_VILLAGES)
        numbers = {Category.TOWN: 100, Category.TOWNSHIP: 200}
        townships = []
        for category, size in zip(categories, sizes, strict=True):
            numbers[category] += 1
            communities = self.rng.randint(1, 2) if category == Category.TOWN else 0
            townships.append(
                self.township(
                    code,
                    category,
                    numbers[category],
                    used,
                    communities=communities,
                    villages=size - communities,
                )
            )
        return self.county(*SECOND_COUNTY, townships)


def _walk(plan: _Plan, parent: _Plan | None = None):
    yield parent, plan
    for child in plan.children:
        yield from _walk(child, plan)


def build_demo_tree(seed: int = DEFAULT_SEED, batch_size: int = 1000) -> DemoTree:
    """Plan the demo tree from `seed` and insert it level by level, with its audit event.

    Call it inside a transaction (the command does); the same seed always gives the same names,
    codes and populations.
    """
    planner = _Planner(seed)
    county, township1, township2 = planner.main_county()
    second_county = planner.second_county()
    city = _Plan(
        {
            "level": Level.CITY,
            "name": CITY[0],
            "division_code": CITY[1],
            "population": county.population + second_county.population,
            "households": county.households + second_county.households,
        },
        [county, second_county],
    )
    province = _Plan(
        {
            "level": Level.PROVINCE,
            "name": PROVINCE[0],
            "division_code": PROVINCE[1],
            "population": city.population,
            "households": city.households,
        },
        [city],
    )
    by_level: dict[int, list[tuple[_Plan | None, _Plan]]] = {}
    for parent, plan in _walk(province):
        by_level.setdefault(plan.fields["level"], []).append((parent, plan))
    loader = BulkLoader(batch_size)
    # Level by level, so that parents and home villages have their pks before their children.
    for level in sorted(by_level):
        units = []
        for parent, plan in by_level[level]:
            fields = dict(plan.fields)
            if plan.home is not None:
                fields["home_village"] = plan.home.unit
            plan.unit = OrgUnit(parent=parent.unit if parent else None, **fields)
            units.append(plan.unit)
        loader.insert(units)
    village1 = next(p for p in township1.children if p.fields["category"] == Category.VILLAGE)
    record_bulk_load(root=province.unit, counts=loader.counts, command="demo", seed=seed)
    return DemoTree(
        province=province.unit,
        city=city.unit,
        county=county.unit,
        second_county=second_county.unit,
        township1=township1.unit,
        township2=township2.unit,
        village1=village1.unit,
        counts=loader.counts,
    )
