"""The assessment sheet (评估表): scores per stage, evidence, comments, history, and the actions
along the chain, each behind a confirmation."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access import missing
from assessments import group_rules, selection, selectors, services
from assessments.access import forbidden, get_assessment_for_user
from assessments.forms import (
    CommentForm,
    ConfirmForm,
    DecideForm,
    EvidenceForm,
    ReasonForm,
    ReturnForm,
    SheetForm,
)
from assessments.models import Assessment, Score, TransitionAction
from core.forms import add_validation_errors
from orgs.selectors import group_sort_key
from registers.models import Evidence
from registers.services import do_delete_evidence
from standards.models import Item


def editable_items(user, assessment: Assessment) -> set[int] | None:
    """Item ids the user may change at the current stage, or None when they may change none."""
    governing = services.scoring_target(assessment)
    if not assessment.is_open or not services.can_act(user, governing):
        return None
    if assessment.parent_id and assessment.stage != governing.stage:
        return None
    items = set(
        Item.objects.filter(section__standard=assessment.standard).values_list("pk", flat=True)
    )
    reopened = set(assessment.reopened_items or []) if not assessment.parent_id else set()
    return reopened & items if reopened else items


def _sheet_form(assessment, editable, data=None, readings=None):
    items = list(Item.objects.filter(section__standard=assessment.standard, pk__in=editable or []))
    if readings is None:
        readings = selectors.readings_of(assessment)
    current = {
        s.item_id: s
        for s in Score.objects.filter(
            assessment=assessment, stage=assessment.stage, is_current=True
        )
    }
    return SheetForm(
        data,
        items=items,
        current=current,
        readings=readings,
        initial={"version": assessment.version},
    )


def _refreshed_bases(assessment, data):
    """The user's entries with the bases moved to what is saved now, so that their next save,
    after they have looked at the other person's values, goes through."""
    data = data.copy()
    for score in Score.objects.filter(
        assessment=assessment, stage=assessment.stage, is_current=True
    ):
        key = f"base-{score.item_id}"
        if key in data:
            data[key] = str(score.pk)
    return data


def _render_sheet(request, assessment, form=None, conflict_items=None, status=200):
    editable = editable_items(request.user, assessment)
    readings = selectors.readings_of(assessment)
    if form is None and editable:
        form = _sheet_form(assessment, editable, readings=readings)
    context = selectors.sheet(assessment, editable if form is not None else None, readings)
    stages = context["stages"]
    numbers = {}
    notes = [m for m in messages.get_messages(request) if m.extra_tags.startswith("item-")]
    for entry in context["sections"]:
        for row in entry.rows:
            numbers[row.item.pk] = row.item.number
            row.notes = [m for m in notes if m.extra_tags == f"item-{row.item.pk}"]
            _mark_inherited(row, assessment.stage)
            if form is not None and row.editable:
                row.fields = form.fields_for(row.item.pk)
    transitions = list(assessment.transitions.select_related("actor").order_by("id"))
    for transition in transitions:
        transition.item_numbers = [numbers.get(pk, "?") for pk in transition.items or []]
    _deletable_evidence(request.user, assessment, context["sections"])
    returned = _last_return(assessment, transitions)
    if returned is not None:
        for entry in context["sections"]:
            for row in entry.rows:
                row.returned = not returned.items or row.item.pk in returned.items
    acting = services.can_act(request.user, assessment)
    selecting = assessment.stage > 0 and selection.decided_on_selection_page(assessment)
    outcome = services.outcome_at(assessment)
    last = len(stages) - 1
    context.update(
        {
            "assessment": assessment,
            "form": form,
            "conflict_items": {i.pk for i in conflict_items or []},
            "acting": acting,
            "can_submit": acting and assessment.stage == 0,
            "can_withdraw": acting and assessment.stage == 0,
            "can_pass": acting and 0 < assessment.stage < last and not selecting,
            "selecting": selecting,
            "can_return": acting and assessment.stage > 0,
            "can_decide": acting and assessment.stage == last and assessment.stage > 0,
            "can_upload": bool(editable),
            "can_comment": services.can_comment(request.user, assessment),
            "comment_form": CommentForm(
                items=[r.item for s in context["sections"] for r in s.rows]
            ),
            "current_stage": stages[assessment.stage] if assessment.stage < len(stages) else None,
            "transitions": transitions,
            "reopened_numbers": [numbers.get(pk, "?") for pk in assessment.reopened_items or []],
            "group_ratings": sorted(
                selectors.rows_for(
                    group_rules.ratings_with(assessment).select_related(
                        "unit", "unit__parent", "round"
                    )
                ),
                key=lambda row: group_sort_key(row.assessment.unit.name),
            ),
            "outcome": outcome,
            "reasons": outcome.reasons(assessment.standard),
            "returned": returned,
            "returned_level": (
                stages[returned.from_stage].get_level_display()
                if returned and returned.from_stage < len(stages)
                else ""
            ),
            "returned_items": [
                (pk, numbers.get(pk, "?")) for pk in (returned.items if returned else [])
            ],
            "revocation": selectors.revocation_of(assessment),
            "review": selectors.review_figures(assessment, readings),
        }
    )
    return render(request, "assessments/sheet.html", context, status=status)


def _mark_inherited(row, current_stage: int) -> None:
    """A stage up to the current one that left the item blank counts with the earlier score:
    the sheet shows that score in grey italics instead of a bare dash."""
    earlier = None
    for position, cell in enumerate(row.cells):
        cell.inherited = None
        if cell.score is not None:
            earlier = cell.score.points
        elif position <= current_stage and earlier is not None:
            cell.inherited = earlier


def _may_delete(user, assessment: Assessment, evidence: Evidence, cache: dict) -> bool:
    """A file is taken back by its uploader or a colleague acting at the same stage; a reviewer
    never deletes the village's evidence (the review found the township could)."""
    uploader = evidence.uploaded_by
    if uploader is None:
        return False
    if uploader.pk == user.pk:
        return True
    if uploader.pk not in cache:
        cache[uploader.pk] = services.can_act(uploader, services.scoring_target(assessment))
    return cache[uploader.pk]


def _deletable_evidence(user, assessment: Assessment, sections) -> None:
    cache: dict = {}
    for entry in sections:
        for row in entry.rows:
            for file in row.evidence:
                file.deletable = _may_delete(user, assessment, file, cache)


def _last_return(assessment: Assessment, transitions: list) -> object | None:
    """The return that reopened the sheet, while it is still open for the change it asked."""
    if not assessment.is_open or not transitions:
        return None
    last = transitions[-1]
    return last if last.action == TransitionAction.RETURN else None


@login_required
def sheet(request, pk: int):
    assessment = get_assessment_for_user(request, pk)
    if request.method != "POST":
        return _render_sheet(request, assessment)
    editable = editable_items(request.user, assessment)
    if not editable:
        raise forbidden(request, assessment.access_unit, "score")
    # Files first: they are kept even when a score needs correcting, and the typed entries come
    # back with the errors, so nothing the user did on the page is lost.
    uploaded_items = _attach_uploads(request, assessment, editable)
    form = _sheet_form(assessment, editable, request.POST)
    if not form.is_valid():
        messages.error(request, _("Some entries need correcting; see the marked items."))
        return _render_sheet(request, assessment, form, status=400)
    try:
        saved = services.do_save_scores(
            request.user, assessment, form.entries(), comment=form.cleaned_data["comment"]
        )
    except services.ScoreConflict as conflict:
        assessment.refresh_from_db()
        form = _sheet_form(assessment, editable, _refreshed_bases(assessment, request.POST))
        form.is_valid()
        messages.error(request, " ".join(conflict.messages))
        return _render_sheet(request, assessment, form, conflict.items, status=409)
    except PermissionDenied as error:
        messages.error(request, " ".join(str(a) for a in error.args))
        return _render_sheet(request, assessment, form, status=403)
    except ValidationError as error:
        if hasattr(error, "error_dict"):
            for key, errors in error.message_dict.items():
                field = f"points-{key}" if f"points-{key}" in form.fields else None
                if field is None and f"veto-{key}" in form.fields:
                    field = f"veto-{key}"
                form.add_error(field, errors)
        else:
            form.add_error(None, error.messages)
        messages.error(request, " ".join(error.messages))
        return _render_sheet(request, assessment, form, status=400)
    then = request.POST.get("then")
    if saved:
        messages.success(request, _("Saved %(count)s item(s).") % {"count": len(saved)})
    if not saved and not uploaded_items and then not in SAVE_FIRST_ACTIONS:
        messages.info(request, _("Nothing changed."))
    if then in SAVE_FIRST_ACTIONS:
        return redirect("assessments:act", assessment.pk, then)
    focus = request.POST.get("upload") or (uploaded_items[0] if uploaded_items else "")
    anchor = f"#item-{focus}" if str(focus).isdigit() else ""
    return redirect(reverse("assessments:sheet", args=[assessment.pk]) + anchor)


# The sheet's own buttons for these actions save the typed entries first; the action's
# confirmation page follows only when the save went through.
SAVE_FIRST_ACTIONS = ("submit", "pass", "decide")


def _attach_uploads(request, assessment: Assessment, editable: set[int]) -> list[int]:
    """Attach the files chosen in the sheet (`file-<item id>`), each at its item; a refused
    file says why in a message and the rest goes on. Returns the items that got a file."""
    items = {
        item.pk: item for item in Item.objects.filter(pk__in=editable).select_related("section")
    }
    attached = []
    for item_id, item in sorted(items.items()):
        for uploaded in request.FILES.getlist(f"file-{item_id}"):
            try:
                evidence = services.do_attach_evidence(request.user, assessment, uploaded, item)
            except PermissionDenied as error:
                messages.error(request, " ".join(str(a) for a in error.args))
            except ValidationError as error:
                messages.error(
                    request,
                    _("Item %(number)s: “%(name)s” was not added: %(error)s")
                    % {
                        "number": item.number,
                        "name": uploaded.name,
                        "error": " ".join(error.messages),
                    },
                )
            else:
                attached.append(item_id)
                messages.success(
                    request,
                    _("“%(name)s” was added as evidence.") % {"name": evidence.original_name},
                    extra_tags=f"item-{item_id}",
                )
    return attached


@login_required
@require_POST
def upload_evidence(request, pk: int):
    assessment = get_assessment_for_user(request, pk)
    editable = editable_items(request.user, assessment)
    if not editable:
        raise forbidden(request, assessment.access_unit, "add_evidence")
    form = EvidenceForm(request.POST, request.FILES)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
        return redirect("assessments:sheet", assessment.pk)
    item_id = form.cleaned_data["item"]
    if item_id is not None and item_id not in editable:
        messages.error(request, _("This item is not open for change."))
        return redirect("assessments:sheet", assessment.pk)
    item = Item.objects.filter(pk=item_id).first() if item_id is not None else None
    try:
        evidence = services.do_attach_evidence(
            request.user, assessment, form.cleaned_data["file"], item
        )
    except PermissionDenied as error:
        messages.error(request, " ".join(str(a) for a in error.args))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request, _("“%(name)s” was added as evidence.") % {"name": evidence.original_name}
        )
    anchor = f"#item-{item_id}" if item_id is not None else ""
    return redirect(reverse("assessments:sheet", args=[assessment.pk]) + anchor)


@login_required
@require_POST
def comment(request, pk: int):
    assessment = get_assessment_for_user(request, pk)
    if not services.can_comment(request.user, assessment):
        raise forbidden(request, assessment.access_unit, "comment")
    items = list(Item.objects.filter(section__standard=assessment.standard))
    form = CommentForm(request.POST, items=items)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
        return redirect("assessments:sheet", assessment.pk)
    item = next((i for i in items if i.pk == form.cleaned_data["item"]), None)
    try:
        services.do_comment(request.user, assessment, form.cleaned_data["text"], item)
    except PermissionDenied as error:
        messages.error(request, " ".join(str(a) for a in error.args))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Your comment was added."))
    return redirect("assessments:sheet", assessment.pk)


# --- actions ---------------------------------------------------------------------------------

ACTIONS = {
    "submit": ConfirmForm,
    "pass": ReasonForm,
    "return": ReturnForm,
    "decide": DecideForm,
    "withdraw": ReasonForm,
}


def _action_form(name: str, assessment: Assessment, effects, data=None, review=None):
    form_class = ACTIONS[name]
    kwargs = {"initial": {"version": assessment.version}}
    if form_class is DecideForm and review is not None:
        kwargs["above_suggestion"] = len(review.above)
    if form_class is ReturnForm:
        items = Item.objects.filter(section__standard=assessment.standard)
        kwargs["items"] = list(items)
    form = form_class(data, **kwargs)
    if name == "pass":
        # Passing on needs no reason; what is written goes along as a remark.
        form.fields["reason"].label = _("Remarks (optional)")
    verifiable = [g.assessment for g in effects.groups if g.passes]
    if verifiable:
        # Each group the action would verify, ticked; unticking one leaves it unverified.
        form.fields["groups"] = forms.TypedMultipleChoiceField(
            label=_("Five-good groups verified with the village"),
            choices=[(g.pk, g.unit.name) for g in verifiable],
            coerce=int,
            required=False,
            initial=[g.pk for g in verifiable],
            widget=forms.CheckboxSelectMultiple,
        )
    return form


def _unverified(form) -> list[int]:
    if "groups" not in form.fields:
        return []
    ticked = set(form.cleaned_data.get("groups") or [])
    return [pk for pk, _label in form.fields["groups"].choices if pk not in ticked]


def _effects_summary(name: str, effects, unverified: list[int]) -> str:
    """The result page repeats what the confirmation page said the action would do."""
    parts = []
    if effects.receiver is not None and name in ("submit", "pass", "return"):
        parts.append(_("It now lies with %(unit)s.") % {"unit": effects.receiver.name})
    if effects.inherited:
        parts.append(
            _("%(count)s item(s) left blank kept the earlier score (items %(numbers)s).")
            % {
                "count": len(effects.inherited),
                "numbers": "、".join(i.number for i, _p in effects.inherited),
            }
        )
    verified = [g for g in effects.groups if g.passes and g.assessment.pk not in unverified]
    if verified:
        parts.append(
            _("Five-good groups verified: %(names)s.")
            % {"names": "、".join(g.assessment.unit.name for g in verified)}
        )
    left = [g for g in effects.groups if g not in verified]
    if left:
        parts.append(
            _("Groups not awarded: %(names)s.")
            % {"names": "、".join(g.assessment.unit.name for g in left)}
        )
    return " ".join(parts)


def _perform(name: str, user, assessment: Assessment, data: dict, unverified: list[int]) -> str:
    version = data["version"]
    if name == "submit":
        services.do_submit(user, assessment, expected_version=version)
        return _("The self-assessment was submitted.")
    if name == "pass":
        services.do_pass(
            user,
            assessment,
            reason=data["reason"],
            expected_version=version,
            unverified_groups=unverified,
        )
        return _("The assessment was passed to the next stage.")
    if name == "return":
        services.do_return(
            user,
            assessment,
            reason=data["reason"],
            items=data["items"],
            expected_version=version,
        )
        return _("The assessment was returned.")
    if name == "decide":
        services.do_decide(
            user,
            assessment,
            award=data["award"],
            reason=data["reason"],
            expected_version=version,
            unverified_groups=unverified,
        )
        return _("The title was awarded.") if data["award"] else _("The title was not awarded.")
    services.do_withdraw(user, assessment, reason=data["reason"])
    return _("The application was withdrawn.")


@login_required
def act(request, pk: int, name: str):
    """One confirmation page per action; the action happens only on its POST."""
    if name not in ACTIONS:
        raise Http404("No such action.")
    assessment = get_assessment_for_user(request, pk)
    if not services.can_act(request.user, assessment):
        raise forbidden(request, assessment.access_unit, name)
    effects = selectors.action_effects(assessment, name)
    review = selectors.review_figures(assessment) if name in ("pass", "decide") else None
    form = _action_form(
        name, assessment, effects, request.POST if request.method == "POST" else None, review
    )
    if request.method == "POST" and form.is_valid():
        unverified = _unverified(form)
        try:
            message = _perform(name, request.user, assessment, form.cleaned_data, unverified)
        except PermissionDenied as error:
            form.add_error(None, " ".join(str(a) for a in error.args))
        except ValidationError as error:
            add_validation_errors(form, error)
        else:
            summary = _effects_summary(name, effects, unverified)
            messages.success(request, f"{message} {summary}".strip())
            return redirect("assessments:sheet", assessment.pk)
    outcome = services.outcome_at(assessment)
    return render(
        request,
        "assessments/act.html",
        {
            "assessment": assessment,
            "name": name,
            "form": form,
            "outcome": outcome,
            "reasons": outcome.reasons(assessment.standard),
            "stage": services.current_stage(assessment),
            "effects": effects,
            "review": review,
        },
        status=400 if form.errors else 200,
    )


@login_required
def delete_evidence(request, pk: int, evidence_pk: int):
    """Take back a file uploaded by mistake, while its item is open at the user's stage."""
    assessment = get_assessment_for_user(request, pk)
    evidence = (
        Evidence.objects.filter(
            pk=evidence_pk,
            content_type__app_label="assessments",
            content_type__model="assessment",
            object_id=assessment.pk,
        )
        .select_related("uploaded_by")
        .first()
    )
    if evidence is None:
        raise missing(request, "registers.evidence", evidence_pk)
    editable = editable_items(request.user, assessment) or set()
    slot_item = int(evidence.slot.removeprefix("item-")) if evidence.slot else None
    if (
        not editable
        or (slot_item is not None and slot_item not in editable)
        or not _may_delete(request.user, assessment, evidence, {})
    ):
        raise forbidden(request, assessment.access_unit, "delete_evidence")
    if request.method == "POST":
        do_delete_evidence(request.user, evidence)
        messages.success(request, _("“%(name)s” was deleted.") % {"name": evidence.original_name})
        anchor = f"#item-{slot_item}" if slot_item is not None else ""
        return redirect(reverse("assessments:sheet", args=[assessment.pk]) + anchor)
    return render(
        request,
        "assessments/evidence_delete.html",
        {"assessment": assessment, "evidence": evidence},
    )
