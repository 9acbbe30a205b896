"""The one access helper: what a user may see and do, scoped to the subtrees of their roles.

Every page and API endpoint reaches org units through `get_unit_for_user` (or filters lists with
`visible_units`). A unit outside the user's subtrees answers 404; a unit inside whose action the
user's roles do not allow answers 403. Both leave an audit event. A check that raises denies.
"""

import logging
from enum import StrEnum

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404
from django.utils.translation import gettext as _

from accounts.actions import AccountAction
from accounts.models import Role, RoleKind
from audit.models import Result
from audit.services import record_event
from orgs.models import Level, OrgUnit, subtree_q

logger = logging.getLogger(__name__)


class Action(StrEnum):
    VIEW = "view"
    ADD_CHILD = "add_child"  # create a unit under this one, or move one here
    CHANGE = "change"  # edit, move, retire or delete this unit
    VIEW_AUDIT = "view_audit"
    EDIT_RECORDS = "edit_records"  # keep this unit's registers: members, posts, trainings…
    UNMASK = "unmask"  # see ID numbers and phones in full (needs the permission too)


TREE_MANAGERS = {
    RoleKind.VILLAGE_OPERATOR,
    RoleKind.TOWNSHIP_OFFICER,
    RoleKind.COUNTY_OFFICER,
    RoleKind.ADMINISTRATOR,
}
AUDIT_READERS = {RoleKind.COUNTY_OFFICER, RoleKind.CITY_REVIEWER, RoleKind.ADMINISTRATOR}


def roles_of(user) -> list[Role]:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    cached = getattr(user, "_sanlian_roles", None)
    if cached is None:
        cached = list(user.roles.filter(unit__status="active").select_related("unit"))
        user._sanlian_roles = cached
    return cached


def visible_units(user):
    """Every unit the user may see: the union of their roles' subtrees."""
    roles = roles_of(user)
    if not roles:
        return OrgUnit.objects.none()
    condition = Q()
    for role in roles:
        condition |= subtree_q(role.unit)
    return OrgUnit.objects.filter(condition)


def root_units(user) -> list[OrgUnit]:
    """The top units of the user's roles, without one nested inside another."""
    units = {role.unit.pk: role.unit for role in roles_of(user)}.values()
    return [u for u in units if not any(o.pk != u.pk and o.contains(u) for o in units)]


def _role_allows(role: Role, action: Action, unit: OrgUnit) -> bool:
    if not role.unit.contains(unit):
        return False
    if action == Action.VIEW:
        return True
    if action == Action.VIEW_AUDIT:
        return role.kind in AUDIT_READERS
    if action == Action.UNMASK:
        return role.user.has_perm("registers.unmask_personal_info")
    if role.kind not in TREE_MANAGERS:
        return False
    if action == Action.EDIT_RECORDS:
        # Unlike the unit's own record, its registers are kept by the unit itself.
        return unit.is_active
    if action == Action.ADD_CHILD:
        return unit.is_active
    if action == Action.CHANGE:
        # A unit's own record is kept by the level above it.
        return unit.pk != role.unit.pk
    return False


def _allowed(user, action: Action, unit: OrgUnit) -> bool:
    """The decision itself; raises if a check raises (callers turn that into a denial)."""
    return any(_role_allows(role, action, unit) for role in roles_of(user))


def can(user, action: Action, unit: OrgUnit) -> bool:
    try:
        return _allowed(user, action, unit)
    except Exception:  # a check that raises denies
        logger.exception("Access check failed; denying.")
        return False


def can_see(user, unit: OrgUnit) -> bool:
    return can(user, Action.VIEW, unit)


def visible_ancestors(user, unit: OrgUnit) -> list[OrgUnit]:
    """The unit's ancestors the user may see, root first: the breadcrumbs of a page."""
    return [a for a in unit.ancestors() if can(user, Action.VIEW, a)]


def client_address(request) -> str:
    """The address axes counts failures against (it honours the AXES_IPWARE_* proxy settings),
    so that the audit log and the lockout agree; REMOTE_ADDR when axes has not seen it."""
    if request is None:
        return ""
    return getattr(request, "axes_ip_address", None) or request.META.get("REMOTE_ADDR", "")


def record_denial(
    request,
    user,
    action: str,
    *,
    reason: str,
    unit: OrgUnit | None = None,
    object_type: str = "orgs.orgunit",
    object_id: object = "",
) -> None:
    record_event(
        actor=user,
        action=AccountAction.ACCESS_DENIED,
        object_type=object_type,
        object_id=object_id or (unit.pk if unit else ""),
        object_label=unit.name if unit else "",
        unit_id=unit.pk if unit else None,
        after={
            "requested": str(action),
            "reason": reason,
            "path": request.path if request is not None else "",
            "method": request.method if request is not None else "",
        },
        result=Result.DENIED,
        ip_address=client_address(request),
    )


def missing(request, object_type: str, pk, action: str = Action.VIEW) -> Http404:
    """For an object that is not there or not in the user's subtrees: the denial recorded, and
    the 404 to raise (the same answer for both, so that nothing outside is confirmed)."""
    record_denial(
        request,
        request.user,
        action,
        reason="not_found",
        object_type=object_type,
        object_id=str(pk)[:64],
    )
    return Http404("Not found.")


def get_unit_for_user(request, unit_id, action: Action = Action.VIEW, user=None) -> OrgUnit:
    """The unit, if the user may act on it; else 404 (outside their subtree) or 403."""
    user = user or request.user
    unit = None
    try:
        unit = OrgUnit.objects.filter(pk=int(unit_id)).first()
    except (TypeError, ValueError):
        unit = None
    if unit is None:
        record_denial(
            request, user, action, reason="not_found", unit=None, object_id=str(unit_id)[:64]
        )
        raise Http404("No such unit.")
    _enforce(request, user, action, unit)
    return unit


def require(request, action: Action, unit: OrgUnit, user=None) -> None:
    """For a unit already in hand (a move's target, say): 404 if unseen, 403 if not allowed."""
    _enforce(request, user or request.user, action, unit)


def _enforce(request, user, action: Action, unit: OrgUnit) -> None:
    """404 if the user cannot see the unit, 403 if the action is not allowed or a check raised;
    each denial recorded."""
    try:
        sees = _allowed(user, Action.VIEW, unit)
        allowed = sees and _allowed(user, action, unit)
    except Exception:  # a check that raises denies, with 403 (security.md)
        logger.exception("Access check failed; denying.")
        record_denial(request, user, action, reason="check_failed", unit=unit)
        raise PermissionDenied(_("Not allowed for your role.")) from None
    if not sees:
        record_denial(request, user, action, reason="not_found", object_id=str(unit.pk))
        raise Http404("No such unit.")
    if not allowed:
        record_denial(request, user, action, reason="forbidden", unit=unit)
        raise PermissionDenied(_("Not allowed for your role."))


def can_view_audit_somewhere(user) -> bool:
    return any(role.kind in AUDIT_READERS for role in roles_of(user))


def audit_units(user):
    """Units whose audit events the user may read."""
    condition = Q()
    found = False
    for role in roles_of(user):
        if role.kind in AUDIT_READERS:
            condition |= subtree_q(role.unit)
            found = True
    return OrgUnit.objects.filter(condition) if found else OrgUnit.objects.none()


# The role that acts for its level in an assessment chain (accounts never imports assessments).
CHAIN_ACTORS = {
    Level.VILLAGE: RoleKind.VILLAGE_OPERATOR,
    Level.TOWNSHIP: RoleKind.TOWNSHIP_OFFICER,
    Level.COUNTY: RoleKind.COUNTY_OFFICER,
    Level.CITY: RoleKind.CITY_REVIEWER,
}


def acts_at_level(user, unit: OrgUnit, level: int) -> bool:
    """Whether the user holds the acting role of `level` on a unit of that level containing
    `unit` (a village operator acts for their village, a township officer for its villages…)."""
    kind = CHAIN_ACTORS.get(level)
    return kind is not None and any(
        role.kind == kind and role.unit.level == level and role.unit.contains(unit)
        for role in roles_of(user)
    )
