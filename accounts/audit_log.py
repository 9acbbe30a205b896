"""Who reads which audit events, and the log's filters: the one selector behind the audit page
(/audit/) and the audit API (/api/v1/audit/), so both show the same events to the same reader."""

from datetime import date, datetime, time, timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone

from accounts.access import audit_units, can_view_audit_somewhere
from accounts.models import Role
from audit.models import AuditEvent
from orgs.models import OrgUnit


def may_read_audit(user) -> bool:
    return bool(user.is_superuser or can_view_audit_somewhere(user))


def readable_units(user) -> QuerySet | None:
    """The units whose events (and names) the reader may see; None for everything."""
    return None if user.is_superuser else audit_units(user)


def readable_events(user) -> QuerySet:
    """Events of the reader's subtrees' units and of the users who hold roles there."""
    if user.is_superuser:
        return AuditEvent.objects.all()
    units = audit_units(user)
    actors = Role.objects.filter(unit__in=units).values("user_id")
    return AuditEvent.objects.filter(Q(unit_id__in=units.values("pk")) | Q(actor_id__in=actors))


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def filter_events(
    events: QuerySet,
    user,
    *,
    unit: OrgUnit | None = None,
    actor_name: str = "",
    action: str = "",
    result: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
) -> QuerySet:
    """Narrow the reader's events; a unit outside what they read gives nothing (not an error)."""
    if unit is not None:
        units = readable_units(user)
        if units is not None and not units.filter(pk=unit.pk).exists():
            return events.none()
        events = events.filter(unit_id__in=OrgUnit.objects.subtree_of(unit).values("pk"))
    if actor_name:
        events = events.filter(actor_name__icontains=actor_name)
    if action:
        events = events.filter(action__startswith=action)
    if result:
        events = events.filter(result=result)
    if date_from:
        events = events.filter(created_at__gte=_day_start(date_from))
    if date_to:
        events = events.filter(created_at__lt=_day_start(date_to) + timedelta(days=1))
    return events.order_by("-seq")


def shown_units(user, events) -> dict[int, OrgUnit]:
    """The units of these events that the reader may see, by id: others are neither named nor
    linked (an actor's event can concern a unit outside the reader's subtrees)."""
    units = readable_units(user)
    shown = OrgUnit.objects.all() if units is None else units
    return shown.in_bulk({e.unit_id for e in events if e.unit_id})
