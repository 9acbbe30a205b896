"""`sanlian bench_rollups`: the dashboards' figures as the app reads them vs DuckDB over raw rows.

It generates a province-sized tree (orgs.bulk, as `sanlian generate`), bulk-creates titles over five
years (villages qualified then first-class, groups five-good, some townships advanced, yearly
re-awards superseding the earlier ones, a few revoked), members, trainings and service activities,
rebuilds the roll-ups, and then, in the same run, times for the province, a county and a township
the figures of a dashboard — the node's figures, its children's (the league table) and its trend
over the years — read through `campaigns.rollups`, against the same figures computed by DuckDB from
the raw rows (loaded into DuckDB first, untimed). It prints the times and the ratios (target: the
app under a tenth of DuckDB at every level), and how long one decision takes to show. Everything it
created is removed afterwards unless --keep is given. A benchmark, not a test: nothing is asserted.

The bench command of the registers (`sanlian bench import`) takes a fixed list of subjects, so this
one is its own command rather than `sanlian bench rollups`.
"""

import csv
import random
import statistics
import tempfile
import time
from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand
from django.db import connection, reset_queries, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

TARGET_RATIO = 0.1
FIRST_YEAR, LAST_YEAR = 2022, 2026

# The raw rows DuckDB reads: (table, columns, DuckDB types, the condition keeping the province's).
TABLES = [
    (
        "units",
        "orgs_orgunit",
        "id, level, status, parent_id, province_id, city_id, county_id, township_id, village_id",
        "BIGINT, INTEGER, VARCHAR, BIGINT, BIGINT, BIGINT, BIGINT, BIGINT, BIGINT",
        "province_id = %s",
    ),
    (
        "titles",
        "assessments_awardedtitle",
        "unit_id, title, year, status",
        "BIGINT, VARCHAR, INTEGER, VARCHAR",
        "unit_id IN (SELECT id FROM orgs_orgunit WHERE province_id = %s)",
    ),
    (
        "members",
        "registers_member",
        "unit_id, status, join_date, status_date",
        "BIGINT, VARCHAR, DATE, DATE",
        "unit_id IN (SELECT id FROM orgs_orgunit WHERE province_id = %s)",
    ),
    (
        "trainings",
        "registers_training",
        "organiser_id, date",
        "BIGINT, DATE",
        "organiser_id IN (SELECT id FROM orgs_orgunit WHERE province_id = %s)",
    ),
    (
        "activities",
        "registers_serviceactivity",
        "unit_id, date, people_served",
        "BIGINT, DATE, BIGINT",
        "unit_id IN (SELECT id FROM orgs_orgunit WHERE province_id = %s)",
    ),
]

LEVEL_NAMES = {1: "province", 2: "city", 3: "county", 4: "township", 5: "village"}

# The same figures as campaigns.rollups, from raw rows: {node} is the node's ancestor column,
# {key} what to group by (its children's column, or 0 for the node itself), {years} the years
# wanted; a title counts from its first unrevoked year on.
DUCKDB_FIGURES = """
WITH u AS (
    SELECT id, level, {key} AS k FROM units WHERE {node} = $node AND status = 'active'
),
y AS ({years}),
h AS (
    SELECT t.unit_id,
        min(t.year) FILTER (WHERE t.title = 'five_good_group') AS fg,
        min(t.year) FILTER (WHERE t.title = 'qualified_village') AS q,
        min(t.year) FILTER (WHERE t.title = 'first_class_village') AS fc,
        min(t.year) FILTER (WHERE t.title = 'advanced_township') AS adv
    FROM titles t JOIN u ON u.id = t.unit_id
    WHERE t.status <> 'revoked'
    GROUP BY t.unit_id
),
s AS (
    SELECT u.k, y.year,
        count(*) FILTER (WHERE u.level = 6) AS groups,
        count(*) FILTER (WHERE u.level = 6 AND h.fg <= y.year) AS five_good_groups,
        count(*) FILTER (WHERE u.level = 5) AS villages,
        count(*) FILTER (WHERE u.level = 5 AND h.q <= y.year
                         AND (h.fc IS NULL OR h.fc > y.year)) AS qualified_villages,
        count(*) FILTER (WHERE u.level = 5 AND h.fc <= y.year) AS first_class_villages,
        count(*) FILTER (WHERE u.level = 4) AS townships,
        count(*) FILTER (WHERE u.level = 4 AND h.adv <= y.year) AS advanced_townships
    FROM u CROSS JOIN y LEFT JOIN h ON h.unit_id = u.id
    GROUP BY u.k, y.year
),
m AS (
    SELECT u.k, y.year, count(*) AS active_members
    FROM members mb JOIN u ON u.id = mb.unit_id CROSS JOIN y
    WHERE (mb.join_date IS NULL OR year(mb.join_date) <= y.year)
      AND (mb.status = 'active' OR year(mb.status_date) > y.year)
    GROUP BY u.k, y.year
),
tr AS (
    SELECT u.k, year(t.date) AS year, count(*) AS trainings
    FROM trainings t JOIN u ON u.id = t.organiser_id
    WHERE year(t.date) IN (SELECT year FROM y)
    GROUP BY u.k, year(t.date)
),
ac AS (
    SELECT u.k, year(a.date) AS year, count(*) AS service_activities,
        sum(a.people_served) AS people_served
    FROM activities a JOIN u ON u.id = a.unit_id
    WHERE year(a.date) IN (SELECT year FROM y)
    GROUP BY u.k, year(a.date)
)
SELECT s.k, s.year, s.groups, s.five_good_groups, s.villages, s.qualified_villages,
    s.first_class_villages, s.townships, s.advanced_townships,
    coalesce(m.active_members, 0), coalesce(tr.trainings, 0),
    coalesce(ac.service_activities, 0), coalesce(ac.people_served, 0)
FROM s
LEFT JOIN m ON m.k IS NOT DISTINCT FROM s.k AND m.year = s.year
LEFT JOIN tr ON tr.k IS NOT DISTINCT FROM s.k AND tr.year = s.year
LEFT JOIN ac ON ac.k IS NOT DISTINCT FROM s.k AND ac.year = s.year
WHERE s.k IS NOT NULL
"""


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms"


class Command(BaseCommand):
    help = _(
        "Time a dashboard's figures read from the roll-ups against DuckDB over the raw rows, on a "
        "generated province."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--townships", type=int, default=1100)
        parser.add_argument("--villages-per-township", type=int, default=15)
        parser.add_argument("--groups-per-village", type=int, default=10)
        parser.add_argument("--cities", type=int, default=14)
        parser.add_argument("--counties", type=int, default=100)
        parser.add_argument("--members-per-village", type=int, default=20)
        parser.add_argument("--repeat", type=int, default=15, help=_("Timed runs per figure."))
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument(
            "--keep", action="store_true", help=_("Keep the generated province afterwards.")
        )

    def say(self, message: str) -> None:
        self.stdout.write(message)
        self.stdout.flush()

    def handle(self, *args, **options) -> None:
        from orgs.bulk import GenerateOptions, generate_tree

        started = time.perf_counter()
        result = generate_tree(
            GenerateOptions(
                townships=options["townships"],
                villages_per_township=options["villages_per_township"],
                groups_per_village=options["groups_per_village"],
                counties=options["counties"],
                cities=options["cities"],
                seed=options["seed"],
            ),
            after_batch=reset_queries,
        )
        root = result.root
        self.say(
            _("Generated %(units)d units in %(s).1f s (the roll-ups of the load included).")
            % {"units": sum(result.counts.values()), "s": time.perf_counter() - started}
        )
        try:
            self.run(root, options)
        finally:
            if not options["keep"]:
                self.clean_up(root)

    def run(self, root, options: dict) -> None:
        from campaigns import rollups
        from orgs.models import Level, OrgUnit

        rng = random.Random(options["seed"])
        started = time.perf_counter()
        counts = self.fill(root, rng, options["members_per_village"])
        self.say(
            _("Raw rows: %(counts)s, in %(s).1f s.")
            % {
                "counts": ", ".join(f"{k} {v:,}" for k, v in counts.items()),
                "s": time.perf_counter() - started,
            }
        )
        started = time.perf_counter()
        written = rollups.rebuild()
        self.say(
            _("Rebuilt %(rows)d roll-up rows in %(s).1f s.")
            % {"rows": written, "s": time.perf_counter() - started}
        )
        county = OrgUnit.objects.filter(province=root, level=Level.COUNTY).order_by("pk").first()
        township = OrgUnit.objects.filter(county=county, level=Level.TOWNSHIP).order_by("pk")[0]
        nodes = [root, county, township]
        years = list(range(FIRST_YEAR, LAST_YEAR + 1))

        duck = self.load_duckdb(root)
        repeat = max(1, options["repeat"])
        rows = []
        for node in nodes:
            app = self.time_app(node, years, repeat)
            db = self.time_duckdb(duck, node, years, repeat)
            rows.append((node, app, db))
            self.check_same(node, years, duck)
        self.say("")
        self.say(
            f"{_('level'):<10}{_('children'):>10}{_('app'):>14}{_('DuckDB'):>14}"
            f"{_('app/DuckDB'):>12}  {_('target')} < {TARGET_RATIO:g}"
        )
        for node, app, db in rows:
            ratio = app / db if db else float("inf")
            verdict = _("met") if ratio < TARGET_RATIO else _("missed")
            children = OrgUnit.objects.filter(parent=node).count()
            self.say(
                f"{LEVEL_NAMES[node.level]:<10}{children:>10}{_ms(app):>14}{_ms(db):>14}"
                f"{ratio:>12.4f}  {verdict}"
            )
        self.time_decision(township, root)

    # --- raw rows ----------------------------------------------------------------------------

    def fill(self, root, rng: random.Random, members_per_village: int) -> dict[str, int]:
        from assessments.models import AwardedTitle, TitleStatus
        from orgs.models import Level, OrgUnit
        from registers.models import Carrier, Member, ServiceActivity, Training
        from standards.models import TitleKind

        now = timezone.now()
        years = range(FIRST_YEAR, LAST_YEAR + 1)
        carrier = Carrier.objects.order_by("pk").first()
        titles: list[AwardedTitle] = []
        counts = dict.fromkeys(["titles", "members", "trainings", "activities"], 0)

        def flush(model, batch: list, key: str) -> None:
            model.objects.bulk_create(batch, batch_size=5000)
            counts[key] += len(batch)
            batch.clear()

        def yearly(unit_id: int, kind: str, since: int) -> None:
            # Re-awarded every year from `since`: each award supersedes the year before's.
            for year in range(since, LAST_YEAR + 1):
                last = year == LAST_YEAR
                status = TitleStatus.AWARDED if last else TitleStatus.SUPERSEDED
                if last and rng.random() < 0.03:
                    status = TitleStatus.REVOKED
                titles.append(
                    AwardedTitle(
                        unit_id=unit_id, title=kind, year=year, status=status, awarded_at=now
                    )
                )

        with transaction.atomic():
            units = OrgUnit.objects.filter(province=root)
            for unit_id, level in units.values_list("pk", "level").iterator(chunk_size=10000):
                if level == Level.GROUP and rng.random() < 0.55:
                    yearly(unit_id, TitleKind.FIVE_GOOD_GROUP, rng.choice(years))
                elif level == Level.VILLAGE and rng.random() < 0.8:
                    since = rng.choice(years)
                    yearly(unit_id, TitleKind.QUALIFIED_VILLAGE, since)
                    if rng.random() < 0.35:
                        yearly(unit_id, TitleKind.FIRST_CLASS_VILLAGE, rng.randint(since, 2026))
                elif level == Level.TOWNSHIP and rng.random() < 0.15:
                    yearly(unit_id, TitleKind.ADVANCED_TOWNSHIP, rng.choice([2024, 2026]))
                if len(titles) >= 20000:
                    flush(AwardedTitle, titles, "titles")
            flush(AwardedTitle, titles, "titles")

            members, trainings, activities = [], [], []
            villages = units.filter(level=Level.VILLAGE).values_list("pk", flat=True)
            for village_id in villages.iterator(chunk_size=10000):
                for n in range(members_per_village):
                    joined = date(rng.randint(2015, LAST_YEAR), rng.randint(1, 12), 1)
                    left = rng.random() < 0.1
                    members.append(
                        Member(
                            unit_id=village_id,
                            name=f"会员{n}",
                            join_date=joined,
                            status="moved" if left else "active",
                            status_date=date(LAST_YEAR, 6, 1) if left else None,
                        )
                    )
                for year in years:
                    for _n in range(2):
                        activities.append(
                            ServiceActivity(
                                unit_id=village_id,
                                date=date(year, rng.randint(1, 12), 1),
                                carrier=carrier,
                                title="走访",
                                people_served=rng.randint(1, 40),
                            )
                        )
                if len(members) >= 20000:
                    flush(Member, members, "members")
                if len(activities) >= 20000:
                    flush(ServiceActivity, activities, "activities")
            flush(Member, members, "members")
            flush(ServiceActivity, activities, "activities")
            townships = units.filter(level=Level.TOWNSHIP).values_list("pk", flat=True)
            for township_id in townships.iterator(chunk_size=10000):
                for year in years:
                    for _n in range(3):
                        trainings.append(
                            Training(
                                organiser_id=township_id,
                                date=date(year, rng.randint(1, 12), 1),
                                title="培训",
                                audiences=["members"],
                                hours=2,
                            )
                        )
            flush(Training, trainings, "trainings")
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        return counts

    # --- the app -----------------------------------------------------------------------------

    def time_app(self, node, years: list[int], repeat: int) -> float:
        from campaigns import rollups

        def dashboard():
            rollups.figures(node, years[-1])
            rollups.children_figures(node, years[-1])
            rollups.trend(node, years)

        dashboard()  # warm: the first query of a connection pays for its set-up
        timings = []
        for _n in range(repeat):
            started = time.perf_counter()
            dashboard()
            timings.append(time.perf_counter() - started)
        return statistics.median(timings)

    # --- DuckDB ------------------------------------------------------------------------------

    def load_duckdb(self, root):
        import duckdb

        duck = duckdb.connect()
        folder = Path(tempfile.mkdtemp(prefix="bench-rollups-"))
        started = time.perf_counter()
        for name, table, columns, types, where in TABLES:
            path = folder / f"{name}.csv"
            with connection.cursor() as cursor, path.open("w", newline="") as out:
                cursor.execute(f"SELECT {columns} FROM {table} WHERE {where}", [root.pk])
                writer = csv.writer(out)
                while batch := cursor.fetchmany(20000):
                    writer.writerows(batch)
            spec = ", ".join(
                f"'{c.strip()}': '{t.strip()}'"
                for c, t in zip(columns.split(","), types.split(","), strict=True)
            )
            duck.execute(
                f"CREATE TABLE {name} AS SELECT * FROM "
                f"read_csv('{path}', header=false, columns={{{spec}}}, nullstr='')"
            )
            path.unlink()
        folder.rmdir()
        self.say(
            _("Loaded the raw rows into DuckDB in %(s).1f s (not timed).")
            % {"s": time.perf_counter() - started}
        )
        return duck

    def query_duckdb(self, duck, node, years: list[int]) -> tuple[list[tuple], list[tuple]]:
        """The node's trend over the years and its children's figures in the last one."""
        from orgs.models import LEVEL_COLUMNS, Level

        node_column = f"{LEVEL_COLUMNS[node.level]}_id"
        child_column = f"{LEVEL_COLUMNS[Level(node.level + 1)]}_id"
        trend = duck.execute(
            DUCKDB_FIGURES.format(node=node_column, key="0", years="SELECT unnest($years) AS year"),
            {"node": node.pk, "years": years},
        ).fetchall()
        children = duck.execute(
            DUCKDB_FIGURES.format(node=node_column, key=child_column, years="SELECT $year AS year"),
            {"node": node.pk, "year": years[-1]},
        ).fetchall()
        return trend, children

    def time_duckdb(self, duck, node, years: list[int], repeat: int) -> float:
        self.query_duckdb(duck, node, years)
        timings = []
        for _n in range(repeat):
            started = time.perf_counter()
            self.query_duckdb(duck, node, years)
            timings.append(time.perf_counter() - started)
        return statistics.median(timings)

    def check_same(self, node, years: list[int], duck) -> None:
        """Both sides must compute the same figures, or the comparison means nothing."""
        from campaigns import rollups

        trend, children = self.query_duckdb(duck, node, years)
        theirs = {(0, row[1]): tuple(row[2:]) for row in trend}
        theirs.update({(row[0], row[1]): tuple(row[2:]) for row in children})
        ours = {(0, f.year): tuple(f.values().values()) for f in rollups.trend(node, years)}
        ours.update(
            {
                (f.unit_id, f.year): tuple(f.values().values())
                for f in rollups.children_figures(node, years[-1])
                if f.unit_id in {row[0] for row in children}
            }
        )
        if ours == theirs:
            self.say(_("%(name)s: the app and DuckDB agree.") % {"name": node.name})
        else:
            wrong = sorted(k for k in ours.keys() | theirs.keys() if ours.get(k) != theirs.get(k))
            self.stderr.write(
                _("%(name)s: the app and DuckDB differ at %(keys)s")
                % {"name": node.name, "keys": wrong[:5]}
            )

    # --- a decision --------------------------------------------------------------------------

    def time_decision(self, township, root) -> None:
        from assessments import signals
        from assessments.models import AwardedTitle
        from campaigns import rollups
        from orgs.models import Level, OrgUnit
        from standards.models import TitleKind

        village = (
            OrgUnit.objects.filter(township=township, level=Level.VILLAGE)
            .exclude(titles__title=TitleKind.FIRST_CLASS_VILLAGE)
            .order_by("pk")
            .first()
        )
        if village is None:
            return
        before = rollups.figures(root, LAST_YEAR).first_class_villages
        started = time.perf_counter()
        with transaction.atomic():
            title = AwardedTitle.objects.create(
                unit=village,
                title=TitleKind.FIRST_CLASS_VILLAGE,
                year=LAST_YEAR,
                awarded_at=timezone.now(),
            )
            signals.title_awarded.send(sender=AwardedTitle, title=title)
        took = time.perf_counter() - started
        after = rollups.figures(root, LAST_YEAR).first_class_villages
        self.say(
            _(
                "One decision (award and roll-up refresh, one transaction): %(ms)s; the "
                "province's first-class villages went from %(before)d to %(after)d."
            )
            % {"ms": _ms(took), "before": before, "after": after}
        )

    # --- clean-up ----------------------------------------------------------------------------

    def clean_up(self, root) -> None:
        from assessments.models import AwardedTitle
        from campaigns.rollup_models import RollupFigure
        from orgs.models import Level, OrgUnit
        from registers.models import Member, ServiceActivity, Training

        started = time.perf_counter()
        units = "SELECT id FROM orgs_orgunit WHERE province_id = %s"
        with transaction.atomic():
            # Raw deletes: the register models' delete receivers would refresh row by row.
            with connection.cursor() as cursor:
                for model, column in (
                    (RollupFigure, "unit_id"),
                    (AwardedTitle, "unit_id"),
                    (Member, "unit_id"),
                    (Training, "organiser_id"),
                    (ServiceActivity, "unit_id"),
                ):
                    cursor.execute(
                        f"DELETE FROM {model._meta.db_table} WHERE {column} IN ({units})",
                        [root.pk],
                    )
            for level in sorted(Level.values, reverse=True):
                OrgUnit.objects.filter(province=root, level=level).delete()
        self.say(
            _("Removed the generated province in %(s).1f s.") % {"s": time.perf_counter() - started}
        )
