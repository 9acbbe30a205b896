"""Metrics computed from the registers for a unit and a year, bound to standard items.

A bound item shows its metric's reading and the score its bands suggest; the reviewer confirms
it or overrides it with a reason (assessments.services.do_save_scores).
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from orgs.models import LEVEL_COLUMNS, Category, Level, OrgUnit, subtree_q


@dataclass(frozen=True)
class Reading:
    value: Decimal | None
    display: str
    suggested: Decimal | None = None


@dataclass(frozen=True)
class Metric:
    key: str
    label: object  # a lazy translation
    compute: Callable[[OrgUnit, int], tuple[Decimal | None, str]]


METRICS: dict[str, Metric] = {}


def register(key: str, label: str):
    def wrap(function):
        METRICS[key] = Metric(key=key, label=label, compute=function)
        return function

    return wrap


def suggest(bands: list[dict], value: Decimal | None) -> Decimal | None:
    """The score of the highest band whose minimum the value reaches; None without bands."""
    if value is None or not bands:
        return None
    reached = [b for b in bands if value >= Decimal(str(b["min"]))]
    if not reached:
        return Decimal("0")
    best = max(reached, key=lambda b: Decimal(str(b["min"])))
    return Decimal(str(best["score"]))


def reading_for(item, unit: OrgUnit, year: int) -> Reading | None:
    metric = METRICS.get(item.metric)
    if metric is None:
        return None
    value, display = metric.compute(unit, year)
    return Reading(value=value, display=display, suggested=suggest(item.metric_bands, value))


# The metrics themselves. Each reads the registers as they stand for `unit` and its subtree in
# `year` and returns (value, display). Registers keep current state, not yearly snapshots, so a
# member or a post counts for a year by its dates (joined by the year's end, term covering it).


def _year_end(year: int) -> date:
    return min(date(year, 12, 31), timezone.localdate())


def _percent(part: int, whole: int) -> Decimal:
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"))


def _active_members(unit: OrgUnit, year: int):
    from registers.selectors import members_on_register

    return members_on_register(unit, year)


@register("members_per_100", gettext_lazy("Members per 100 residents"))
def members_per_100(unit: OrgUnit, year: int) -> tuple[Decimal | None, str]:
    count = _active_members(unit, year).count()
    if not unit.population:
        return None, _("%(count)s members; the unit's population is not recorded.") % {
            "count": count
        }
    value = (Decimal(count) * 100 / Decimal(unit.population)).quantize(Decimal("0.1"))
    return value, _(
        "%(value)s members per 100 residents (%(count)s members, %(population)s residents)"
    ) % {
        "value": value,
        "count": count,
        "population": unit.population,
    }


@register("five_elders_share", gettext_lazy("Share of 五老 among members"))
def five_elders_share(unit: OrgUnit, year: int) -> tuple[Decimal | None, str]:
    members = _active_members(unit, year)
    total = members.count()
    if not total:
        return None, _("No active members.")
    elders = members.filter(categories__code="five_elders").distinct().count()
    value = _percent(elders, total)
    return value, _("%(value)s%% of members are 五老 (%(part)s of %(total)s)") % {
        "value": value,
        "part": elders,
        "total": total,
    }


def _required_posts(unit: OrgUnit) -> list[tuple[OrgUnit, str]]:
    """(unit, post) pairs the unit must fill: a group its leader; an association the president,
    the secretary-general and a council member, and a leader for each of its active groups."""
    from registers.models import REQUIRED_POSTS, PostKind

    if unit.level == Level.GROUP:
        return [(unit, PostKind.GROUP_LEADER)]
    required = [(unit, kind) for kind in REQUIRED_POSTS]
    if unit.level == Level.VILLAGE or unit.category == Category.URBAN_BRANCH:
        groups = unit.children.filter(level=Level.GROUP, status="active").order_by("name", "id")
        required += [(group, PostKind.GROUP_LEADER) for group in groups]
    return required


@register("required_posts_filled", gettext_lazy("Required posts filled"))
def required_posts_filled(unit: OrgUnit, year: int) -> tuple[Decimal | None, str]:
    from registers.models import Post, PostKind

    required = _required_posts(unit)
    on = _year_end(year)
    held = set(
        Post.objects.filter(unit__in={u for u, _kind in required}, start_date__lte=on)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=on))
        .values_list("unit_id", "kind")
    )
    missing = [(u, kind) for u, kind in required if (u.pk, kind) not in held]
    filled = len(required) - len(missing)
    value = _percent(filled, len(required))
    display = _("%(filled)s of %(total)s required posts filled") % {
        "filled": filled,
        "total": len(required),
    }
    if missing:
        names = "、".join(
            str(PostKind(kind).label) if u.pk == unit.pk else f"{u.name}{PostKind(kind).label}"
            for u, kind in missing[:5]
        )
        display += _("; vacant: %(posts)s") % {"posts": names}
    return value, display


@register("monthly_activities", gettext_lazy("Months with a group activity"))
def monthly_activities(unit: OrgUnit, year: int) -> tuple[Decimal | None, str]:
    from registers.models import ServiceActivity

    months = set(
        ServiceActivity.objects.filter(subtree_q(unit, "unit"), date__year=year).values_list(
            "date__month", flat=True
        )
    )
    return Decimal(len(months)), _("Activities in %(count)s of 12 months of %(year)s") % {
        "count": len(months),
        "year": year,
    }


@register("trainings", gettext_lazy("Trainings held and attended"))
def trainings(unit: OrgUnit, year: int) -> tuple[Decimal | None, str]:
    from registers.models import Post, PostKind, Training

    held = Training.objects.filter(subtree_q(unit, "organiser"), date__year=year).count()
    from registers.selectors import on_register_at_end_of

    # Joined, not `member__in=<subquery>`: PostgreSQL planned the subquery with its OR of
    # statuses as a nested loop over a township's members, which ran for minutes.
    in_unit = (
        Q(member__group=unit) if unit.level == Level.GROUP else subtree_q(unit, "member__unit")
    )
    attended = (
        Training.attendees.through.objects.filter(
            in_unit, on_register_at_end_of(year, "member"), training__date__year=year
        )
        .values_list("member_id", "training__date")
        .distinct()
    )
    by_post: dict[str, set[int]] = {}
    dates_of: dict[int, list[date]] = {}
    for member_id, on in attended:
        dates_of.setdefault(member_id, []).append(on)
    # No ordering: Post's default one (by unit) would join and sort the units for nothing.
    posts = (
        Post.objects.filter(member_id__in=dates_of)
        .order_by()
        .values_list("member_id", "kind", "start_date", "end_date")
    )
    for member_id, kind, start, end in posts:
        if any(start <= on and (end is None or end >= on) for on in dates_of[member_id]):
            by_post.setdefault(kind, set()).add(member_id)
    display = _("%(held)s trainings held in %(year)s; %(count)s members attended") % {
        "held": held,
        "year": year,
        "count": len(dates_of),
    }
    if by_post:
        display += _(" (by post: %(posts)s)") % {
            "posts": "、".join(
                f"{PostKind(kind).label} {len(by_post[kind])}"
                for kind in PostKind.values
                if kind in by_post
            )
        }
    return Decimal(held), display


@register("activities_by_carrier", gettext_lazy("Service activities by carrier"))
def activities_by_carrier(unit: OrgUnit, year: int) -> tuple[Decimal | None, str]:
    from registers.models import ServiceActivity

    rows = (
        ServiceActivity.objects.filter(subtree_q(unit, "unit"), date__year=year)
        .values("carrier__name", "carrier__sort_order")
        .annotate(count=Count("id"))
        .order_by("carrier__sort_order", "carrier__name")
    )
    total = sum(row["count"] for row in rows)
    display = _("%(total)s service activities in %(year)s") % {"total": total, "year": year}
    if rows:
        display += "：" + "、".join(f"{row['carrier__name']} {row['count']}" for row in rows)
    return Decimal(total), display


def _groups_of(unit: OrgUnit):
    """The active groups assessed with the unit: a village's own and the urban-branch groups
    whose home village it is; below a township or county, every group of the subtree."""
    groups = OrgUnit.objects.filter(level=Level.GROUP, status="active")
    if unit.level == Level.GROUP:
        return groups.filter(pk=unit.pk)
    if unit.level == Level.VILLAGE:
        return groups.filter(Q(parent=unit) | Q(home_village=unit))
    return groups.filter(**{LEVEL_COLUMNS[unit.level]: unit})


def _held_titles(titles: list[str], units, year: int):
    """The titles by which `units` hold any of `titles` in `year`: the one rule of
    assessments/standing.py (a standard's metric must not decide standing on its own)."""
    from django.apps import apps

    AwardedTitle = apps.get_model("assessments", "AwardedTitle")
    return AwardedTitle.objects.filter(title__in=titles, unit__in=units).held_in(year)


@register("five_good_share", gettext_lazy("Share of five-good groups"))
def five_good_share(unit: OrgUnit, year: int) -> tuple[Decimal | None, str]:
    groups = _groups_of(unit)
    total = groups.count()
    if not total:
        return None, _("No association groups.")
    good = _held_titles(["five_good_group"], groups, year).values("unit").distinct().count()
    value = _percent(good, total)
    return value, _("%(value)s%% of groups are five-good in %(year)s (%(part)s of %(total)s)") % {
        "value": value,
        "year": year,
        "part": good,
        "total": total,
    }


def _village_share(unit: OrgUnit, year: int, titles: list[str]) -> tuple[int, int]:
    villages = OrgUnit.objects.filter(level=Level.VILLAGE, status="active")
    if unit.level < Level.VILLAGE:
        villages = villages.filter(**{LEVEL_COLUMNS[unit.level]: unit})
    else:
        villages = villages.filter(pk=unit.pk)
    holding = _held_titles(titles, villages, year).values("unit").distinct().count()
    return holding, villages.count()


@register("villages_qualified_share", gettext_lazy("Share of villages qualified or better"))
def villages_qualified_share(unit: OrgUnit, year: int) -> tuple[Decimal | None, str]:
    part, total = _village_share(unit, year, ["qualified_village", "first_class_village"])
    if not total:
        return None, _("No village associations.")
    value = _percent(part, total)
    return value, _("%(value)s%% of villages qualified or first-class (%(part)s of %(total)s)") % {
        "value": value,
        "part": part,
        "total": total,
    }


@register("villages_first_class_share", gettext_lazy("Share of first-class villages"))
def villages_first_class_share(unit: OrgUnit, year: int) -> tuple[Decimal | None, str]:
    part, total = _village_share(unit, year, ["first_class_village"])
    if not total:
        return None, _("No village associations.")
    value = _percent(part, total)
    return value, _("%(value)s%% of villages first-class (%(part)s of %(total)s)") % {
        "value": value,
        "part": part,
        "total": total,
    }


@register("inclusion_items", gettext_lazy("三纳入四同时 items achieved"))
def inclusion_items(unit: OrgUnit, year: int) -> tuple[Decimal | None, str]:
    from registers.models import InclusionItem, InclusionRecord

    if unit.level != Level.TOWNSHIP:
        return None, _("三纳入四同时 is kept by townships.")
    achieved = InclusionRecord.objects.filter(township=unit, year=year, achieved=True).count()
    return Decimal(achieved), _("%(count)s of %(total)s items achieved in %(year)s") % {
        "count": achieved,
        "total": len(InclusionItem.values),
        "year": year,
    }
