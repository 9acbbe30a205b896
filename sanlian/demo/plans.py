"""The demo county's campaign frame: targets, every township's baseline survey and five-year
creation plan, and its pilots, so that the dashboards tell a true story.

`build_demo_plans(county, users, seed=…)` runs after the assessment rounds (the survey is prefilled
from their titles and scores) inside the demo's transaction. Everything goes through the services,
acted by the demo accounts where one acts for the unit (the county officer, township1's officer)
and by the system elsewhere. Most townships plan to reach their targets, spread over the years,
and are approved; every third is at risk (short of the qualified target, piled into the last year);
township1's plan is returned with a reason and two others wait for the county, so the township and
county accounts have work. The same seed gives the same plans.
"""

import random

from accounts.access import acts_at_level
from campaigns import checks, services
from campaigns.plan_models import Campaign
from campaigns.targets import needed_for
from orgs.models import OrgUnit

DEFAULT_SEED = 20240101
FIRST_YEAR = 2024
THIS_YEAR = 2026


def _actor(users: list, township: OrgUnit):
    return next((u for u in users if services.keeps_township(u, township)), None)


def _plan_years(
    rng: random.Random,
    rows: list[checks.PlanRow],
    campaign: Campaign,
    *,
    at_risk: bool,
) -> dict[int, tuple[int | None, int | None]]:
    """Years for the villages still to climb: enough to pass the targets (or, at risk, short of
    them and late), never first-class before qualified."""
    villages = len(rows)
    targets = services.campaign_targets(campaign)
    years = list(range(THIS_YEAR, campaign.last_year + 1))
    unqualified = [r for r in rows if r.standing == checks.NONE]
    qualified_now = villages - len(unqualified)
    rng.shuffle(unqualified)
    # On track: a little over the target. At risk: two villages short of it, or one step at most.
    goal = needed_for(targets.qualified_share + 5, villages)
    if at_risk:
        goal = max(needed_for(targets.qualified_share, villages) - 2, qualified_now + 1)
    to_qualify = unqualified[: max(goal - qualified_now, 0)]
    plan: dict[int, tuple[int | None, int | None]] = {}
    for index, row in enumerate(to_qualify):
        year = years[-1] if at_risk and index % 3 else years[index % len(years)]
        plan[row.village_id] = (year, None)
    first_class_now = sum(1 for r in rows if r.standing == checks.FIRST_CLASS)
    goal = needed_for(targets.first_class_share + 3, villages) - (1 if at_risk else 0)
    candidates = [r for r in rows if r.standing == checks.QUALIFIED]
    candidates += [r for r in to_qualify if plan[r.village_id][0] < years[-1]]
    for row in candidates[: max(goal - first_class_now, 0)]:
        qualified_year = plan.get(row.village_id, (None, None))[0]
        year = max(qualified_year or years[0], years[-2] if len(years) > 1 else years[0])
        plan[row.village_id] = (qualified_year, year)
    return plan


def _pilots(rng: random.Random, campaign: Campaign, township: OrgUnit, actor, *, short: bool):
    villages = list(services.villages_of(township).order_by("division_code", "name", "pk"))
    added = 0
    for year in range(campaign.first_year, THIS_YEAR + 1):
        required = checks.pilots_required(township.population, campaign.large_township_population)
        keys = [v for v in villages if v.is_key_village]
        others = [v for v in villages if not v.is_key_village]
        rng.shuffle(keys)
        rng.shuffle(others)
        # The last year of a township "short" of pilots breaks the rules the overview checks.
        chosen = (others if short and year == THIS_YEAR else keys + others)[
            : (1 if short and year == THIS_YEAR else required)
        ]
        for village in chosen:
            services.do_add_pilot(actor, campaign, township, year=year, village=village)
            added += 1
    return added


def build_demo_plans(county: OrgUnit, users: list, seed: int = DEFAULT_SEED) -> dict:
    """The demo campaign of `county`; `users` are the demo accounts (any that act are used)."""
    rng = random.Random(seed)
    # The acting county officer, not an administrator who may keep the campaign but not approve.
    county_officer = next((u for u in users if acts_at_level(u, county, county.level)), None)
    campaign = services.do_create_campaign(
        county_officer,
        county,
        name=f"三联创 {FIRST_YEAR}–{FIRST_YEAR + services.DEFAULT_YEARS - 1}",
        first_year=FIRST_YEAR,
        advanced_townships=4,
    )
    counts = {"townships": 0, "surveyed": 0, "approved": 0, "waiting": 0, "returned": 0}
    counts["pilots"] = 0
    waiting_left = 2
    for index, township in enumerate(services.townships_of(campaign)):
        actor = _actor(users, township)
        counts["townships"] += 1
        counts["surveyed"] += services.do_save_survey(actor, campaign, township)
        rows = services.plan_rows(campaign, township, {})
        at_risk = index % 3 == 2
        years = _plan_years(rng, rows, campaign, at_risk=at_risk)
        services.do_save_plan_draft(actor, campaign, township, years)
        counts["pilots"] += _pilots(rng, campaign, township, actor, short=index % 5 == 3)
        if index == 7:
            continue  # one township still drafting
        version = services.do_submit_plan(actor, campaign, township)
        if actor is not None:
            services.do_return_plan(
                county_officer,
                version,
                reason="请把合格村的创建时间分到各年，并说明重点村的创建措施。",
            )
            counts["returned"] += 1
        elif waiting_left and index % 2:
            waiting_left -= 1
            counts["waiting"] += 1
        else:
            services.do_approve_plan(county_officer, version)
            counts["approved"] += 1
    return counts
