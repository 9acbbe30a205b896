"""The association tree over the API. Every unit is reached through the one access helper."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from accounts.access import Action, get_unit_for_user, root_units, visible_units
from api.schemas import (
    READ_ERRORS,
    WRITE_ERRORS,
    PageParams,
    RetireIn,
    Text,
    UnitCreate,
    UnitMoveIn,
    UnitOut,
    UnitUpdate,
    page_of,
)
from orgs import selectors, services
from orgs.models import OrgUnit
from orgs.validation import child_level_for

router = Router(tags=["units"])


class UnitPage(Schema):
    count: int
    page: int
    pages: int
    items: list[UnitOut]


class SearchParams(PageParams):
    q: Text = Field("", max_length=100)


def _home_village(request, home_village_id):
    if home_village_id is None:
        return None
    return get_unit_for_user(request, home_village_id)


@router.get("/", response={200: UnitPage, **READ_ERRORS})
def list_units(request, params: Query[SearchParams]):
    """Search by name or division code within your subtrees; without `q`, your top units."""
    if params.q.strip():
        return page_of(selectors.search_units(visible_units(request.user), params.q), params)
    roots = [u.pk for u in root_units(request.user)]
    return page_of(OrgUnit.objects.filter(pk__in=roots).order_by("level", "name", "id"), params)


@router.get("/{unit_id}", response={200: UnitOut, **READ_ERRORS})
def get_unit(request, unit_id: int):
    return get_unit_for_user(request, unit_id)


@router.get("/{unit_id}/children", response={200: UnitPage, **READ_ERRORS})
def list_children(request, unit_id: int, params: Query[PageParams], include_retired: bool = False):
    unit = get_unit_for_user(request, unit_id)
    return page_of(selectors.children_of(unit, include_retired), params)


@router.post("/", response={201: UnitOut, **WRITE_ERRORS})
def create_unit(request, payload: UnitCreate):
    """Create a unit under `parent_id`; its level is the one below the parent's."""
    parent = get_unit_for_user(request, payload.parent_id, Action.ADD_CHILD)
    level = child_level_for(parent)
    if level is None:
        raise ValidationError({"parent_id": [_("An association group has no subordinate units.")]})
    fields = payload.dict(exclude={"parent_id", "home_village_id"})
    unit = services.do_create_unit(
        request.user,
        parent=parent,
        level=level,
        home_village=_home_village(request, payload.home_village_id),
        **fields,
    )
    return Status(201, unit)


@router.patch("/{unit_id}", response={200: UnitOut, **WRITE_ERRORS})
def update_unit(request, unit_id: int, payload: UnitUpdate):
    """Change the fields sent; the others stay as they are."""
    unit = get_unit_for_user(request, unit_id, Action.CHANGE)
    changes = payload.dict(exclude_unset=True)
    if "home_village_id" in changes:
        changes["home_village"] = _home_village(request, changes.pop("home_village_id"))
    return services.do_update_unit(request.user, unit, **changes)


@router.post("/{unit_id}/move", response={200: UnitOut, **WRITE_ERRORS})
def move_unit(request, unit_id: int, payload: UnitMoveIn):
    """Move the unit, with its subtree, under `parent_id`."""
    unit = get_unit_for_user(request, unit_id, Action.CHANGE)
    new_parent = get_unit_for_user(request, payload.parent_id, Action.ADD_CHILD)
    return services.do_move_unit(request.user, unit, new_parent)


@router.post("/{unit_id}/retire", response={200: UnitOut, **WRITE_ERRORS})
def retire_unit(request, unit_id: int, payload: RetireIn):
    """Retire the unit and every active unit below it."""
    unit = get_unit_for_user(request, unit_id, Action.CHANGE)
    services.do_retire_unit(request.user, unit, payload.reason)
    unit.refresh_from_db()
    return unit


@router.post("/{unit_id}/reinstate", response={200: UnitOut, **WRITE_ERRORS})
def reinstate_unit(request, unit_id: int):
    """Bring a retired unit back (only this unit; the ones below it one by one)."""
    unit = get_unit_for_user(request, unit_id, Action.CHANGE)
    return services.do_reinstate_unit(request.user, unit)


@router.delete("/{unit_id}", response={204: None, **WRITE_ERRORS})
def delete_unit(request, unit_id: int):
    """Delete a unit entered by mistake; one with units below it must be retired instead."""
    unit = get_unit_for_user(request, unit_id, Action.CHANGE)
    services.do_delete_unit(request.user, unit)
    return Status(204, None)
