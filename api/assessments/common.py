"""The assessments router and the helpers its operations share."""

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db.models import Q
from ninja import Router, Status

from assessments import group_rules, services
from assessments.models import (
    Assessment,
    Score,
    Transition,
)

router = Router(tags=["assessments"])


# --- reaching objects through the access helper ----------------------------------------------


def _evidence_of(assessment: Assessment) -> Q:
    kind = ContentType.objects.get_for_model(Assessment)
    return Q(content_type=kind, object_id=assessment.pk)


def _conflict(error: ValidationError) -> Status | None:
    if getattr(error, "code", None) != "conflict":
        return None
    detail = " ".join(error.messages)
    errors = {str(item.pk): [detail] for item in getattr(error, "items", [])}
    return Status(409, {"detail": detail, "errors": errors or None})


def _detail(request, assessment: Assessment) -> dict:
    assessment = Assessment.objects.select_related("standard", "round", "unit").get(
        pk=assessment.pk
    )
    outcome = services.outcome_at(assessment)
    body = {
        name: getattr(assessment, name)
        for name in (
            "id",
            "round_id",
            "title",
            "standard_id",
            "unit_id",
            "access_unit_id",
            "parent_id",
            "stage",
            "state",
            "reopened_items",
            "version",
            "decided_at",
        )
    }
    body.update(
        unit_name=assessment.unit.name,
        stages=services.stages_of(assessment),
        can_act=services.can_act(request.user, assessment),
        outcome={
            "total": outcome.total,
            "passes": outcome.passes,
            "reasons": outcome.reasons(assessment.standard),
        },
        scores=list(Score.objects.filter(assessment=assessment).order_by("id")),
        transitions=list(Transition.objects.filter(assessment=assessment).order_by("id")),
        group_rating_ids=list(group_rules.ratings_with(assessment).values_list("pk", flat=True)),
    )
    return body
