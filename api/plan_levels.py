"""The five-year plan's 三级联创 part over the API: per village its five-good groups by year and
its 特色/措施, and the township's advanced aim (campaigns/plan_levels.py). Thin: the campaign and
township through campaigns.access, the write through the service (403 recorded, 422)."""

from django.core.exceptions import PermissionDenied
from ninja import Field, Router, Schema

from accounts.access import record_denial
from api.schemas import MAX_ID, READ_ERRORS, WRITE_ERRORS, BodyIn, Text
from campaigns import plan_levels, services
from campaigns.access import get_township_for_user

router = Router(tags=["campaigns"])


class PlanLevelVillageOut(Schema):
    village_id: int
    village_name: str
    groups: int
    five_good_groups: dict[int, int]
    note: str


class PlanLevelsOut(Schema):
    township_id: int
    advanced_year: int | None
    villages: list[PlanLevelVillageOut]


class PlanLevelVillageIn(BodyIn):
    village_id: int = Field(..., ge=1, le=MAX_ID)
    five_good_groups: dict[int, int] = Field(default_factory=dict, max_length=20)
    note: Text = Field("", max_length=500)


class PlanLevelsIn(BodyIn):
    """The villages sent replace their groups and note; the aim is set (null: none)."""

    advanced_year: int | None = Field(None, ge=2000, le=2100)
    villages: list[PlanLevelVillageIn] = Field(default_factory=list, max_length=2000)


def _out(campaign, township) -> dict:
    villages = list(services.villages_of(township).order_by("division_code", "name", "pk"))
    plan = services.plan_for(campaign, township)
    stored = plan_levels.draft_levels(plan)
    counts = plan_levels.group_counts([v.pk for v in villages])
    return {
        "township_id": township.pk,
        "advanced_year": plan.advanced_year if plan else None,
        "villages": [
            {
                "village_id": v.pk,
                "village_name": v.name,
                "groups": counts.get(v.pk, 0),
                "five_good_groups": stored.get(v.pk, ({}, ""))[0],
                "note": stored.get(v.pk, ({}, ""))[1],
            }
            for v in villages
        ],
    }


@router.get("/{campaign_id}/townships/{township_id}", response={200: PlanLevelsOut, **READ_ERRORS})
def get_plan_levels(request, campaign_id: int, township_id: int):
    """The draft's five-good groups by year and notes per village, and the township's aim."""
    campaign, township = get_township_for_user(request, campaign_id, township_id)
    return _out(campaign, township)


@router.put("/{campaign_id}/townships/{township_id}", response={200: PlanLevelsOut, **WRITE_ERRORS})
def save_plan_levels(request, campaign_id: int, township_id: int, payload: PlanLevelsIn):
    """Save the villages' five-good groups by year and notes, and the township's aim."""
    campaign, township = get_township_for_user(request, campaign_id, township_id, edit=True)
    villages = {
        v.village_id: {"groups": v.five_good_groups, "note": v.note} for v in payload.villages
    }
    try:
        plan_levels.do_save_plan_levels(
            request.user,
            campaign,
            township,
            villages=villages,
            advanced_year=payload.advanced_year,
        )
    except PermissionDenied:
        record_denial(request, request.user, "edit_plan", reason="forbidden", unit=township)
        raise
    return _out(campaign, township)
