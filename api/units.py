from django.core.paginator import Paginator
from ninja import Query, Router, Schema

from accounts.access import Action, get_unit_for_user, root_units, visible_units
from api.schemas import ErrorOut, MoveIn, RetireIn, UnitCreate, UnitOut, UnitUpdate
from orgs import selectors, services
from orgs.forms import child_level_for
from orgs.models import OrgUnit

router = Router(tags=["units"])
DENIALS = {403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


class UnitPage(Schema):
    count: int
    page: int
    pages: int
    items: list[UnitOut]


class PageParams(Schema):
    page: int = 1
    page_size: int = 50


def _page(queryset, params: PageParams) -> dict:
    size = min(max(params.page_size, 1), 200)
    paginator = Paginator(queryset, size)
    page = paginator.get_page(params.page)
    return {
        "count": paginator.count,
        "page": page.number,
        "pages": paginator.num_pages,
        "items": list(page),
    }


def _home_village(request, home_village_id):
    if home_village_id is None:
        return None
    return get_unit_for_user(request, home_village_id)


@router.get("/", response=UnitPage)
def list_units(request, q: str = "", params: Query[PageParams] = None):
    """Search by name or division code within your subtree; without `q`, your top units."""
    params = params or PageParams()
    if q.strip():
        return _page(selectors.search_units(visible_units(request.user), q), params)
    roots = [u.pk for u in root_units(request.user)]
    return _page(OrgUnit.objects.filter(pk__in=roots).order_by("level", "name"), params)


@router.get("/{int:unit_id}", response={200: UnitOut, **DENIALS})
def get_unit(request, unit_id: int):
    return get_unit_for_user(request, unit_id)


@router.get("/{int:unit_id}/children", response={200: UnitPage, **DENIALS})
def list_children(
    request, unit_id: int, include_retired: bool = False, params: Query[PageParams] = None
):
    unit = get_unit_for_user(request, unit_id)
    return _page(selectors.children_of(unit, include_retired), params or PageParams())


@router.post("/", response={201: UnitOut, **DENIALS})
def create_unit(request, payload: UnitCreate):
    parent = get_unit_for_user(request, payload.parent_id, Action.ADD_CHILD)
    level = child_level_for(parent)
    if level is None:
        return 422, {"detail": "An association group has no subordinate units."}
    fields = payload.dict(exclude={"parent_id", "home_village_id"})
    unit = services.do_create_unit(
        request.user,
        parent=parent,
        level=level,
        home_village=_home_village(request, payload.home_village_id),
        **fields,
    )
    return 201, unit


@router.patch("/{int:unit_id}", response={200: UnitOut, **DENIALS})
def update_unit(request, unit_id: int, payload: UnitUpdate):
    unit = get_unit_for_user(request, unit_id, Action.CHANGE)
    changes = payload.dict(exclude_unset=True)
    if "home_village_id" in changes:
        changes["home_village"] = _home_village(request, changes.pop("home_village_id"))
    return services.do_update_unit(request.user, unit, **changes)


@router.post("/{int:unit_id}/move", response={200: UnitOut, **DENIALS})
def move_unit(request, unit_id: int, payload: MoveIn):
    unit = get_unit_for_user(request, unit_id, Action.CHANGE)
    new_parent = get_unit_for_user(request, payload.parent_id, Action.ADD_CHILD)
    return services.do_move_unit(request.user, unit, new_parent)


@router.post("/{int:unit_id}/retire", response={200: UnitOut, **DENIALS})
def retire_unit(request, unit_id: int, payload: RetireIn):
    unit = get_unit_for_user(request, unit_id, Action.CHANGE)
    services.do_retire_unit(request.user, unit, payload.reason)
    unit.refresh_from_db()
    return unit
