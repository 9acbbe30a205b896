"""Who sees and who keeps which standard, on top of the one access helper (accounts.access).

A standard is kept by a unit (a county, usually) or, for the shipped examples, by nobody. Everyone
with a role reads the examples and the standards of the units above and below their roles (a
township reads its county's rules). County officers and administrators keep the standards of the
units their roles hold; only administrators change the shipped examples — a county copies one to
a version of its own and edits that.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404
from django.utils.translation import gettext as _

from accounts.access import missing, record_denial, roles_of
from accounts.models import RoleKind
from orgs.models import subtree_q
from standards.models import Item, Standard

KEEPERS = {RoleKind.COUNTY_OFFICER, RoleKind.ADMINISTRATOR}


def _on_path(role_unit, unit) -> bool:
    return role_unit.contains(unit) or unit.contains(role_unit)


def can_see_standard(user, standard: Standard) -> bool:
    if getattr(user, "is_superuser", False):
        return True
    roles = roles_of(user)
    if standard.unit_id is None:
        return bool(roles)
    return any(_on_path(role.unit, standard.unit) for role in roles)


def may_keep_shared(user) -> bool:
    """Administrators keep the shared standards (the shipped examples and their shared copies)."""
    return getattr(user, "is_superuser", False) or any(
        role.kind == RoleKind.ADMINISTRATOR for role in roles_of(user)
    )


def can_edit_standard(user, standard: Standard) -> bool:
    roles = roles_of(user)
    if standard.unit_id is None:
        return may_keep_shared(user)
    return any(role.kind in KEEPERS and role.unit.contains(standard.unit) for role in roles)


def keeping_units(user) -> list:
    """The units whose standards the user keeps: their county-officer and administrator roles'."""
    return [role.unit for role in roles_of(user) if role.kind in KEEPERS]


def can_keep_standards(user) -> bool:
    return bool(keeping_units(user))


def keeping_units_for_copy(request, standard: Standard) -> list:
    """The units that may keep a copy of the standard; a user keeping none is refused with 403,
    recorded."""
    units = keeping_units(request.user)
    if not units:
        record_denial(
            request,
            request.user,
            "copy_standard",
            reason="forbidden",
            object_type="standards.standard",
            object_id=str(standard.pk),
        )
        raise PermissionDenied(_("Not allowed for your role."))
    return units


def visible_standards(user):
    """Standards the user may read: the examples, and those of units on their roles' paths."""
    if getattr(user, "is_superuser", False):
        return Standard.objects.all()
    roles = roles_of(user)
    if not roles:
        return Standard.objects.none()
    condition = Q(unit__isnull=True)
    for role in roles:
        condition |= Q(unit__in=role.unit.ancestors()) | Q(unit=role.unit)
        condition |= subtree_q(role.unit, "unit")
    return Standard.objects.filter(condition)


def get_standard_for_user(request, standard_id, *, edit: bool = False) -> Standard:
    """The standard, if the user may read it (else 404) and, with `edit`, keep it (else 403);
    each denial is recorded."""
    user = request.user
    standard = None
    try:
        standard = Standard.objects.select_related("unit").filter(pk=int(standard_id)).first()
    except (TypeError, ValueError):
        standard = None
    action = "edit_standard" if edit else "view_standard"
    if standard is None or not can_see_standard(user, standard):
        record_denial(
            request,
            user,
            action,
            reason="not_found",
            object_type="standards.standard",
            object_id=str(standard_id)[:64],
        )
        raise Http404("No such standard.")
    if edit and not can_edit_standard(user, standard):
        record_denial(
            request,
            user,
            action,
            reason="forbidden",
            unit=standard.unit,
            object_type="standards.standard",
            object_id=str(standard.pk),
        )
        raise PermissionDenied(_("Not allowed for your role."))
    return standard


def get_part_for_user(request, model, pk):
    """A section, item or stage, reached through its standard's keeper check."""
    obj = model.objects.filter(pk=pk).first()
    if obj is None:
        raise missing(request, model._meta.label_lower, pk, "edit_standard")
    standard_id = obj.section.standard_id if isinstance(obj, Item) else obj.standard_id
    get_standard_for_user(request, standard_id, edit=True)
    return obj
