"""The demo campaign's rounds, year by year: who applies, how each stage scores and moves, the spot
check, and where the current round stands.
"""

import random
from collections import defaultdict
from datetime import datetime
from decimal import Decimal

from assessments import group_rules
from assessments.carried import do_carry_in_title
from assessments.group_ratings import do_decide_group_ratings, do_submit_group_ratings
from assessments.models import (
    Assessment,
    AssessmentState,
    AwardedTitle,
    Round,
    Score,
    SpotCheckResult,
    TransitionAction,
)
from assessments.services import (
    ScoreInput,
    do_apply,
    do_create_round,
    do_decide,
    do_draw_spot_check,
    do_pass,
    do_record_inspection,
    do_return,
    do_save_scores,
    do_submit,
    outcome_at,
    spot_check_population,
)
from orgs.models import Level, OrgUnit
from sanlian.demo import selection as demo_selection
from sanlian.demo.assessment_parts import (
    DEADLINES_2026,
    TOWNSHIP_CATEGORIES,
    VILLAGE_CATEGORIES,
    DemoUnits,
    _current_state,
    _entries,
    _Planned,
    _Rubric,
    _shipped_standards,
    _when,
    _Writer,
    groups_rated_with_all,
)
from standards.models import TitleKind

# --- the demo --------------------------------------------------------------------------------


class _Campaign:
    def __init__(self, units: DemoUnits, users: dict, seed: int):
        self.units = units
        self.users = users
        self.rng = random.Random(seed * 7919 + 2024)
        standards = _shipped_standards()
        self.rubrics = {title: _Rubric(s) for title, s in standards.items()}
        county = units.county
        # In insertion order: names collate differently on SQLite and PostgreSQL and enterprise
        # associations have no code, so any other order would give one seed two campaigns.
        self.townships = list(
            OrgUnit.objects.filter(
                parent=county,
                level=Level.TOWNSHIP,
                status="active",
                category__in=TOWNSHIP_CATEGORIES,
            ).order_by("pk")
        )
        self.villages = list(
            OrgUnit.objects.filter(
                county=county, level=Level.VILLAGE, status="active", category__in=VILLAGE_CATEGORIES
            ).order_by("pk")
        )
        self.groups: dict[int, list[OrgUnit]] = defaultdict(list)
        for group in groups_rated_with_all(county):
            home = group.home_village_id if group.home_village_id else group.parent_id
            self.groups[home].append(group)
        self.counts: dict[str, int] = defaultdict(int)

    # who acts: the demo account holding the level's role there, else nobody on record
    def actor(self, level: int, unit: OrgUnit):
        if level == Level.CITY:
            return self.users.get("city")
        if level == Level.COUNTY:
            return self.users.get("county")
        if level == Level.TOWNSHIP:
            township_id = unit.township_id or unit.pk
            if township_id == self.units.township1.pk:
                return self.users.get("township1")
            if township_id == self.units.township2.pk:
                return self.users.get("township2")
            return None
        if level == Level.VILLAGE and unit.pk == self.units.village1.pk:
            return self.users.get("village1")
        return None

    def create_round(self, year: int, titles: list[str]) -> Round:
        deadlines = None
        if year == 2026:
            deadlines = {
                t: {
                    stage: datetime(year, m, d).date()
                    for stage, (m, d) in DEADLINES_2026[t].items()
                }
                for t in titles
            }
        round_, _warnings = do_create_round(
            self.users["county"],
            self.units.county,
            year=year,
            name=f"{year}年度三联创评估",
            standards={t: self.rubrics[t].standard for t in titles},
            deadlines=deadlines,
        )
        return round_

    # planning one application in bulk ------------------------------------------------------

    def plan_village(
        self, writer: _Writer, village: OrgUnit, title: str, *, outcome: str, rate_groups: bool
    ) -> _Planned:
        """outcome: "award", "fail" (returned by the township, withdrawn), or a stage to leave
        it open at: "draft" (partly self-scored), "submitted" (at the township), "passed" (at the
        county). Its groups (`rate_groups`) are rated on their own footing beside it: decided by
        the township whatever becomes of the application, except while it is a draft or waits
        for the township."""
        year = writer.round.year
        rubric = self.rubrics[title]
        p = writer.add(_Planned(unit=village, title=title, rubric=rubric, access_unit=village))
        p.created_at = _when(year, "apply")
        village_actor = self.actor(Level.VILLAGE, village)
        township_actor = self.actor(Level.TOWNSHIP, village)
        county = self.users.get("county")
        p.move(TransitionAction.APPLY, 0, _when(year, "apply"), village_actor)
        quality = 0.93 if title == TitleKind.FIRST_CLASS_VILLAGE else 0.86
        if outcome == "fail":
            marks = rubric.failing_marks(self.rng, 0.7)
        else:
            marks = rubric.passing_marks(self.rng, quality)
        if rate_groups:
            group_outcome = outcome if outcome in ("draft", "submitted") else "decided"
            p.children = self.plan_groups(village, year, group_outcome, parent=p)
        if outcome == "draft":
            scored = {i.pk for i in rubric.items[: max(1, len(rubric.items) * 2 // 3)]}
            p.score(0, marks, village_actor, _when(year, "score0"), only=scored)
            return p
        p.score(0, marks, village_actor, _when(year, "score0"), state=_current_state(self.rng))
        p.move(TransitionAction.SUBMIT, 1, _when(year, "submit"), village_actor)
        p.marks = marks
        if outcome == "submitted":
            return p
        if outcome == "fail":
            reason = "验收未达到标准，请对照评估细则整改后再申报。"
            p.move(TransitionAction.RETURN, 0, _when(year, "return1"), township_actor, reason)
            why = "整改需要时间，本年度撤回申报。"
            p.move(
                TransitionAction.WITHDRAW,
                0,
                _when(year, "withdraw"),
                village_actor,
                why,
                state=AssessmentState.WITHDRAWN,
            )
            return p
        # The township re-scores a couple of items a little lower, when the total allows it.
        lowered = dict(marks)
        changed = set()
        for item in self.rng.sample(rubric.items, 2):
            if item.points and lowered[item.pk] and lowered[item.pk] >= 1:
                trial = dict(lowered)
                trial[item.pk] = lowered[item.pk] - Decimal("0.5")
                if rubric.passes(trial):
                    lowered, changed = trial, changed | {item.pk}
        p.score(
            1,
            lowered,
            township_actor,
            _when(year, "score1"),
            only=changed,
            measures="按验收意见补充台账资料。" if changed else "",
        )
        p.move(
            TransitionAction.PASS, 2, _when(year, "pass1"), township_actor, "验收合格，报县协会。"
        )
        if outcome == "passed":
            return p
        p.move(
            TransitionAction.AWARD,
            2,
            _when(year, "decide"),
            county,
            "",
            state=AssessmentState.AWARDED,
        )
        p.award = (county, _when(year, "decide"))
        return p

    def plan_groups(
        self, village: OrgUnit, year: int, outcome: str, *, parent: _Planned | None = None
    ) -> list[_Planned]:
        """The year's five-good ratings of the village's groups. outcome: "draft" (half rated by
        the council), "submitted" (at the township) or "decided" (the township decided each
        group on its own)."""
        rubric = self.rubrics[TitleKind.FIVE_GOOD_GROUP]
        village_actor = self.actor(Level.VILLAGE, village)
        township_actor = self.actor(Level.TOWNSHIP, village)
        groups = []
        for group in self.groups.get(village.pk, []):
            g = _Planned(
                unit=group,
                title=TitleKind.FIVE_GOOD_GROUP,
                rubric=rubric,
                access_unit=village,
                parent=parent,
                created_at=_when(year, "apply"),
            )
            g.good = self.rng.random() < 0.62
            g.marks = (rubric.passing_marks if g.good else rubric.failing_marks)(
                self.rng, 0.88 if g.good else 0.7
            )
            g.move(TransitionAction.APPLY, 0, _when(year, "apply"), village_actor)
            groups.append(g)
        if outcome == "draft":
            for g in groups[: len(groups) // 2]:
                g.score(0, g.marks, village_actor, _when(year, "score0"))
            return groups
        for g in groups:
            g.score(0, g.marks, village_actor, _when(year, "score0"))
            g.move(TransitionAction.SUBMIT, 1, _when(year, "submit"), village_actor)
        if outcome == "submitted":
            return groups
        for g in groups:
            if g.good:
                g.move(
                    TransitionAction.AWARD,
                    1,
                    _when(year, "pass1"),
                    township_actor,
                    state=AssessmentState.AWARDED,
                )
                g.award = (township_actor, _when(year, "pass1"))
            else:
                g.move(
                    TransitionAction.NOT_AWARD,
                    1,
                    _when(year, "pass1"),
                    township_actor,
                    "总分未达到“五好”小组标准。",
                    state=AssessmentState.NOT_AWARDED,
                )
        return groups

    def rate_groups_only(self, writer: _Writer, village: OrgUnit) -> None:
        """A village that does not apply this year: its groups are rated all the same."""
        groups = self.plan_groups(village, writer.round.year, "decided")
        if groups:
            writer.group_only.append((village, groups))

    def plan_township(self, writer: _Writer, township: OrgUnit, *, outcome: str) -> _Planned:
        """outcome: "award" (selected and confirmed), "not_selected", "submitted", "selected"."""
        year = writer.round.year
        rubric = self.rubrics[TitleKind.ADVANCED_TOWNSHIP]
        p = writer.add(
            _Planned(
                unit=township,
                title=TitleKind.ADVANCED_TOWNSHIP,
                rubric=rubric,
                access_unit=township,
                created_at=_when(year, "apply"),
            )
        )
        own = self.actor(Level.TOWNSHIP, township)
        county, city = self.users.get("county"), self.users.get("city")
        marks = rubric.passing_marks(self.rng, 0.9)
        p.move(TransitionAction.APPLY, 0, _when(year, "apply"), own)
        p.score(0, marks, own, _when(year, "score0"), state=_current_state(self.rng))
        p.move(TransitionAction.SUBMIT, 1, _when(year, "submit"), own)
        if outcome == "submitted":
            return p
        if outcome == "not_selected":
            # 评先 against the places: the county marks it 未入选 at its selection stage
            # (sanlian/demo/selection.py records the mark).
            p.move(
                TransitionAction.NOT_AWARD,
                1,
                _when(year, "pass2"),
                county,
                "未入选：" + demo_selection.NOT_SELECTED_REASON,
                state=AssessmentState.NOT_AWARDED,
            )
            return p
        p.move(
            TransitionAction.PASS,
            2,
            _when(year, "pass2"),
            county,
            "经县协会评选，报市协会审核认定。",
        )
        if outcome == "selected":
            return p
        p.move(
            TransitionAction.AWARD,
            2,
            _when(year, "confirm"),
            city,
            "审核认定为先进乡镇协会。",
            state=AssessmentState.AWARDED,
        )
        p.award = (city, _when(year, "confirm"))
        return p

    # the rounds ------------------------------------------------------------------------------

    def holds(self, unit: OrgUnit, title: str, year: int) -> bool:
        """By the one rule (assessments/standing.py): a lapsed or revoked title is not held."""
        return AwardedTitle.objects.filter(unit=unit, title=title).held_in(year).exists()

    def held_by_villages(self, title: str, year: int) -> set[int]:
        titles = AwardedTitle.objects.filter(title=title, unit__county=self.units.county)
        return set(titles.held_in(year).values_list("unit_id", flat=True))

    def rate_other_villages_groups(self, writer: _Writer) -> None:
        """Every year's rating covers the groups of every village, applying or not: the
        villages the round did not take have their groups rated alone. A separate random
        stream, so that the rest of the demo stays as it was."""
        taken = {p.unit.pk for p in writer.planned}
        saved, self.rng = self.rng, random.Random(writer.round.year * 31)
        try:
            for village in self.villages:
                if village.pk not in taken:
                    self.rate_groups_only(writer, village)
        finally:
            self.rng = saved

    def round_2024(self) -> Round:
        round_ = self.create_round(2024, list(TitleKind))
        writer = _Writer(round_)
        village1 = self.units.village1
        carried = {v.pk for v in self.carried_villages()}
        for village in self.villages:
            if village.pk == village1.pk:
                self.plan_village(
                    writer, village, TitleKind.QUALIFIED_VILLAGE, outcome="award", rate_groups=True
                )
                continue
            if self.rng.random() >= 0.5:
                continue
            # The carried-in villages are re-rated by `rerate_carried` alone, so that one fails
            # and two go unrated (and lapse) whatever the draws and the database: their draws are
            # still made, into a writer never flushed, so that the others' draws stay as they were.
            target = _Writer(round_) if village.pk in carried else writer
            failing = self.rng.random() < 0.08
            self.plan_village(
                target,
                village,
                TitleKind.QUALIFIED_VILLAGE,
                outcome="fail" if failing else "award",
                rate_groups=True,
            )
            if not failing and self.rng.random() < 0.12:
                self.plan_village(
                    target,
                    village,
                    TitleKind.FIRST_CLASS_VILLAGE,
                    outcome="award",
                    rate_groups=False,
                )
        applicants = [self.units.township1] + [
            t
            for t in self.townships
            if t.pk not in (self.units.township1.pk, self.units.township2.pk)
        ][:3]
        for index, township in enumerate(applicants):
            self.plan_township(writer, township, outcome="not_selected" if index == 3 else "award")
        self.rerate_carried(writer)
        self.rate_other_villages_groups(writer)
        writer.flush()
        self._merge(writer)
        chosen = demo_selection.record_selection(round_, self.users.get("county"), places=3)
        demo_selection.record_confirmation(
            chosen, self.users.get("city"), f"{self.units.city.name[:1]}计协〔2024〕8号"
        )
        return round_

    # 双创 titles carried in, and the yearly rating that keeps or ends them (动态管理) ------------

    def carried_villages(self) -> list[OrgUnit]:
        """Four villages outside the demo townships, the last by insertion order."""
        u = self.units
        return [v for v in self.villages if v.township_id not in (u.township1.pk, u.township2.pk)][
            -4:
        ]

    def carry_in(self) -> None:
        """The county records the 2023 双创 qualified titles of four villages before the campaign's
        first round, as it would from its old 命名文件."""
        county = self.users.get("county")
        for index, village in enumerate(self.carried_villages()):
            do_carry_in_title(
                county,
                village,
                title=TitleKind.QUALIFIED_VILLAGE,
                year=2023,
                issuer=f"{self.units.county.name}计划生育协会",
                document_number=f"计协〔2023〕{11 + index}号",
            )

    def rerate_carried(self, writer: _Writer) -> None:
        """2024's yearly rating of the four carried-in villages (the round's draws never take
        them): the first fails its re-rating and the second keeps its title; the other two are
        not re-rated. When the round closes, the failed and the unrated titles lapse. A separate
        random stream, so that the rest of the demo stays as it was."""
        waiting = self.carried_villages()
        saved, self.rng = self.rng, random.Random(2024_12)
        try:
            for village, outcome in zip(waiting, ("fail", "award"), strict=False):
                self.plan_village(
                    writer, village, TitleKind.QUALIFIED_VILLAGE, outcome=outcome, rate_groups=True
                )
        finally:
            self.rng = saved

    def round_2025(self) -> Round:
        round_ = self.create_round(
            2025,
            [TitleKind.FIVE_GOOD_GROUP, TitleKind.QUALIFIED_VILLAGE, TitleKind.FIRST_CLASS_VILLAGE],
        )
        writer = _Writer(round_)
        # Who holds what after 2024's rating, lapses and revocations included.
        qualified = self.held_by_villages(TitleKind.QUALIFIED_VILLAGE, 2024)
        first_class = self.held_by_villages(TitleKind.FIRST_CLASS_VILLAGE, 2024)
        for village in self.villages:
            if village.pk == self.units.village1.pk:
                continue
            if village.pk in first_class:
                continue
            if village.pk in qualified:
                if self.rng.random() < 0.3:
                    self.plan_village(
                        writer,
                        village,
                        TitleKind.FIRST_CLASS_VILLAGE,
                        outcome="award",
                        rate_groups=True,
                    )
                continue
            if self.rng.random() < 0.45:
                failing = self.rng.random() < 0.1
                self.plan_village(
                    writer,
                    village,
                    TitleKind.QUALIFIED_VILLAGE,
                    outcome="fail" if failing else "award",
                    rate_groups=True,
                )
        self.rate_other_villages_groups(writer)
        writer.flush()
        self._merge(writer)
        return round_

    def spot_check(self, round_: Round, *, failures: int, pending: int, seed: int) -> None:
        county = self.users["county"]
        if not spot_check_population(round_, TitleKind.QUALIFIED_VILLAGE):
            return
        check = do_draw_spot_check(county, round_, TitleKind.QUALIFIED_VILLAGE, count=1, seed=seed)
        entries = list(check.entries.select_related("assessment__unit").order_by("pk"))
        protected = {self.units.village1.pk}
        failed = 0
        for index, entry in enumerate(entries):
            if index >= len(entries) - pending:
                break
            unit = entry.assessment.unit
            if failed < failures and unit.pk not in protected:
                do_record_inspection(
                    county,
                    entry,
                    passed=False,
                    reason="抽查发现会员名册与实际不符，活动记录缺失，未达到合格标准。",
                )
                failed += 1
            else:
                do_record_inspection(county, entry, passed=True)
        self.counts["spot_checked"] += len(entries)
        self.counts["revoked"] += failed
        self.counts["inspections_pending"] += sum(
            1 for e in check.entries.all() if e.result == SpotCheckResult.PENDING
        )

    def round_2026(self) -> Round:
        round_ = self.create_round(2026, list(TitleKind))
        writer = _Writer(round_)
        u = self.units
        in_t1 = [
            v for v in self.villages if v.township_id == u.township1.pk and v.pk != u.village1.pk
        ]
        in_t2 = [v for v in self.villages if v.township_id == u.township2.pk]
        others = [v for v in self.villages if v.township_id not in (u.township1.pk, u.township2.pk)]
        to_pass: list[_Planned] = []
        to_decide: list[_Planned] = []

        def apply(village, outcome):
            # Titles are assessed every year: a first-class village applies again.
            holder = self.holds(village, TitleKind.QUALIFIED_VILLAGE, 2025) or self.holds(
                village, TitleKind.FIRST_CLASS_VILLAGE, 2025
            )
            title = TitleKind.FIRST_CLASS_VILLAGE if holder else TitleKind.QUALIFIED_VILLAGE
            return self.plan_village(writer, village, title, outcome=outcome, rate_groups=True)

        # In township1 and township2 some villages wait for the township, some the township
        # passes now (then they wait for the county), one is still a draft.
        patterns = {
            u.township1.pk: ["passed_later", "submitted", "passed_later", "submitted", "draft"],
            u.township2.pk: ["submitted", "passed_later", "passed_later", "submitted", "draft"],
        }
        for villages in (in_t1, in_t2):
            todo = list(patterns[villages[0].township_id]) if villages else []
            for village in villages:
                if not todo:
                    break
                outcome = todo[0]
                planned = apply(village, "submitted" if outcome == "passed_later" else outcome)
                if planned is None:
                    continue
                todo.pop(0)
                if outcome == "passed_later":
                    to_pass.append(planned)
        # Elsewhere a mix of every stage; two applications at the county are decided now.
        for village in others:
            draw = self.rng.random()
            if draw < 0.45:
                continue
            outcome = "draft" if draw < 0.6 else "submitted" if draw < 0.8 else "passed"
            planned = apply(village, outcome)
            if (
                planned is not None
                and outcome == "passed"
                and len(to_decide) < 2
                and planned.title == TitleKind.QUALIFIED_VILLAGE
            ):
                to_decide.append(planned)
        # Townships: township2 submitted (to be selected now, then waiting for the city); two
        # others waiting for the county; one selected earlier, waiting for the city.
        rest = [t for t in self.townships if t.pk not in (u.township1.pk, u.township2.pk)]
        t2 = self.plan_township(writer, u.township2, outcome="submitted")
        for township in rest[:2]:
            self.plan_township(writer, township, outcome="submitted")
        for township in rest[2:3]:
            self.plan_township(writer, township, outcome="selected")
        writer.flush()
        self._merge(writer)
        demo_selection.record_selection(round_, self.users.get("county"), places=3)

        # What the demo accounts have done this autumn, through the services.
        for planned in to_pass:
            self.township_passes(planned.obj)
        county = self.users["county"]
        for planned in to_decide:
            do_decide(county, planned.obj, award=True, reason="")
            self.counts["decided_now"] += 1
        self.county_selects(t2.obj)
        self.village1_applies(round_)
        self.township1_drafts(round_)
        return round_

    def township_passes(self, assessment: Assessment) -> None:
        """The township decides the village's groups on their own, then (their results read by
        the item on five-good groups) scores and passes the village."""
        actor = self.actor(Level.TOWNSHIP, assessment.unit)
        self.township_decides_groups(actor, assessment.round, assessment.unit)
        rubric = self.rubrics[assessment.title]
        plain = [i for i in rubric.items if i.points and not i.metric and not i.is_veto][:1]
        marks = {s.item_id: s.points for s in Score.objects.filter(assessment=assessment, stage=0)}
        entries = [
            ScoreInput(
                item_id=item.pk,
                points=marks.get(item.pk),
                current_state="",
                measures="建议完善活动照片和签到记录。",
            )
            for item in plain
        ]
        do_save_scores(actor, assessment, entries, comment="材料齐全，同意上报。")
        do_pass(actor, assessment, reason="乡镇协会验收合格，报县协会。")
        self.counts["passed_now"] += 1

    def township_decides_groups(self, actor, round_: Round, village: OrgUnit) -> None:
        waiting = group_rules.group_ratings_of(round_, village).filter(
            state=AssessmentState.OPEN, stage=1
        )
        decisions = {}
        for rating in waiting.select_related("standard"):
            passes = outcome_at(rating).passes
            decisions[rating.pk] = (passes, "" if passes else "总分未达到“五好”小组标准。")
        if decisions:
            do_decide_group_ratings(actor, round_, village, decisions)

    def county_selects(self, assessment: Assessment) -> None:
        demo_selection.county_selects_now(assessment.round, self.users["county"], assessment)

    def village1_applies(self, round_: Round) -> None:
        """village1 applies for first-class, township1 returns two items with a reason."""
        village1, township1 = self.users["village1"], self.users["township1"]
        unit = self.units.village1
        title = (
            TitleKind.FIRST_CLASS_VILLAGE
            if self.holds(unit, TitleKind.QUALIFIED_VILLAGE, round_.year - 1)
            else TitleKind.QUALIFIED_VILLAGE
        )
        assessment = do_apply(village1, round_, title, unit)
        rubric = self.rubrics[title]
        marks = rubric.passing_marks(self.rng, 0.94)
        do_save_scores(village1, assessment, _entries(rubric, marks, unit, round_.year, state=True))
        group_rubric = self.rubrics[TitleKind.FIVE_GOOD_GROUP]
        for rating in group_rules.ratings_with(assessment).select_related("unit").order_by("pk"):
            g_marks = group_rubric.passing_marks(self.rng, 0.9)
            do_save_scores(
                village1, rating, _entries(group_rubric, g_marks, rating.unit, round_.year)
            )
        # The council's ratings go up to the township beside the application.
        do_submit_group_ratings(village1, round_, unit)
        assessment = do_submit(village1, assessment)
        returned = [i for i in rubric.items if i.points and not i.metric][1:3]
        do_return(
            township1,
            assessment,
            reason="第{}、{}条佐证材料不全：请补充活动照片和会议记录后重新提交。".format(
                *[i.number for i in returned]
            ),
            items=[i.pk for i in returned],
        )

    def township1_drafts(self, round_: Round) -> None:
        township1 = self.users["township1"]
        assessment = do_apply(township1, round_, TitleKind.ADVANCED_TOWNSHIP, self.units.township1)
        rubric = self.rubrics[TitleKind.ADVANCED_TOWNSHIP]
        marks = rubric.passing_marks(self.rng, 0.9)
        half = rubric.items[: len(rubric.items) // 2]
        entries = _entries(rubric, marks, self.units.township1, round_.year)
        do_save_scores(
            township1, assessment, [e for e in entries if e.item_id in {i.pk for i in half}]
        )

    def _merge(self, writer: _Writer) -> None:
        for key, value in writer.counts.items():
            self.counts[key] += value
