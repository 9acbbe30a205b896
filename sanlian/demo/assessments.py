"""The demo county's campaign so far: two decided rounds and the current one in progress.

`build_demo_assessments(tree, users, seed=…)` runs on the demo tree and its registers (the
`sanlian demo` command calls it inside its transaction) with the shipped example standards:

- 2024: villages apply for the qualified title (some also for first-class in the same round), the
  groups of every village, applying or not, are rated five-good on their own (so some groups are
  five-good in villages not yet qualified, and in villages that fail), and four townships apply for
  advanced township: the county selects three against three places (名额) and marks the fourth
  未入选 with its reason; the city confirms the three with its document number and issues their
  titles. The county then spot-checks a village per township; two fail and lose their title.
- 2025: villages without a qualified title apply for it, qualified ones for first-class; the county
  spot-checks again, two fail, and some inspections are still to record.
- 2026, in progress: applications waiting at every stage, so that every demo account has work:
  village1's first-class application returned by township1 for two items, villages waiting for
  township1 and township2, villages and a township waiting for the county, townships waiting for
  the city, township1's own application in draft.

The bulk of it (hundreds of village applications and thousands of group ratings) is history that no
demo account could have entered (there is one village account), so it is written in bulk: the rows
as the services would leave them, each application with one audit event that records its scores,
moves and decision, and one `assessments.bulk_load` event with the counts. Everything a demo
account does — creating the rounds, the spot checks and their revocations, and the 2026 round's
steps — goes through the services with that account as the actor. The same seed gives the same
campaign.
"""

from assessments.services import (
    do_close_round,
)
from audit.services import record_event
from sanlian.demo.assessment_parts import BULK_LOAD_ACTION, DEFAULT_SEED, DemoUnits
from sanlian.demo.assessment_rounds import _Campaign


def build_demo_assessments(units: DemoUnits, users: dict, seed: int = DEFAULT_SEED) -> dict:
    """The demo campaign on the county of `units`, acted by the demo `users` (by username:
    county, city, township1, township2, village1). Call it inside the demo's transaction."""
    campaign = _Campaign(units, users, seed)
    campaign.carry_in()
    round_2024 = campaign.round_2024()
    campaign.spot_check(round_2024, failures=2, pending=0, seed=seed * 101 + 2024)
    # 2024's yearly rating is over: titles it did not keep lapse (动态管理).
    do_close_round(users.get("county"), round_2024)
    round_2025 = campaign.round_2025()
    campaign.spot_check(round_2025, failures=2, pending=4, seed=seed * 101 + 2025)
    campaign.round_2026()
    counts = dict(campaign.counts)
    record_event(
        actor=None,
        action=BULK_LOAD_ACTION,
        obj=units.county,
        unit_id=units.county.pk,
        after={"command": "demo", "seed": seed, **counts},
    )
    return counts
