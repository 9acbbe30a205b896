"""Rounds, assessments with every version of every score, stage transitions, titles, spot checks."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from orgs.models import LEVEL_COLUMNS
from standards.models import TitleKind

ANCESTOR_COLUMNS = tuple(LEVEL_COLUMNS.values())


class RoundStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class Round(models.Model):
    """One assessment cycle organised by a county (or a higher level) for its subtree."""

    organiser = models.ForeignKey(
        "orgs.OrgUnit", verbose_name=_("organiser"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("campaign year"))
    name = models.CharField(_("name"), max_length=100)
    status = models.CharField(
        _("status"), max_length=16, choices=RoundStatus.choices, default=RoundStatus.OPEN
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-year", "-id"]
        verbose_name = _("round")
        verbose_name_plural = _("rounds")
        constraints = [
            models.UniqueConstraint(fields=["organiser", "year", "name"], name="round_unique_name")
        ]

    def __str__(self):
        return self.name

    @property
    def is_expired(self) -> bool:
        """Still open although its year is over: nobody closed it, but no work goes on in it."""
        return self.status == RoundStatus.OPEN and self.year < timezone.localdate().year

    @property
    def status_label(self) -> str:
        """The status as lists show it: an open round of a past year reads as expired."""
        if self.is_expired:
            return _("Expired (not closed)")
        return self.get_status_display()


class RoundTitle(models.Model):
    """A title assessed in a round, with the standard version it pins."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="titles")
    title = models.CharField(_("title"), max_length=32, choices=TitleKind.choices)
    standard = models.ForeignKey(
        "standards.Standard", on_delete=models.PROTECT, related_name="round_titles"
    )

    class Meta:
        verbose_name = _("title in a round")
        verbose_name_plural = _("titles in a round")
        constraints = [
            models.UniqueConstraint(fields=["round", "title"], name="round_title_unique")
        ]

    def __str__(self):
        return f"{self.round} · {self.get_title_display()}"


class StageDeadline(models.Model):
    round_title = models.ForeignKey(RoundTitle, on_delete=models.CASCADE, related_name="deadlines")
    stage = models.PositiveSmallIntegerField(_("stage"))
    due = models.DateField(_("due"))

    class Meta:
        ordering = ["round_title", "stage"]
        constraints = [
            models.UniqueConstraint(fields=["round_title", "stage"], name="deadline_unique_stage")
        ]

    def __str__(self):
        return f"{self.round_title} · {self.stage}: {self.due}"


class AssessmentState(models.TextChoices):
    OPEN = "open", _("In progress")
    AWARDED = "awarded", _("Awarded")
    NOT_AWARDED = "not_awarded", _("Not awarded")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Assessment(models.Model):
    """One unit applying for one title in one round, under the round's standard version.

    `access_unit` is the unit whose subtree governs who may see and act: the unit itself, or for
    an urban-branch group its home village, with which it is inspected and assessed."""

    round = models.ForeignKey(Round, on_delete=models.PROTECT, related_name="assessments")
    title = models.CharField(_("title"), max_length=32, choices=TitleKind.choices)
    standard = models.ForeignKey(
        "standards.Standard", on_delete=models.PROTECT, related_name="assessments"
    )
    unit = models.ForeignKey(
        "orgs.OrgUnit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+"
    )
    access_unit = models.ForeignKey("orgs.OrgUnit", on_delete=models.PROTECT, related_name="+")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="group_ratings"
    )
    stage = models.PositiveSmallIntegerField(_("stage"), default=0)
    state = models.CharField(
        _("state"), max_length=16, choices=AssessmentState.choices, default=AssessmentState.OPEN
    )
    # After a per-item return, only these items may be changed at the stage; empty means all.
    reopened_items = models.JSONField(default=list, blank=True)
    # Bumped by every write, so that pages can tell they show an old state.
    version = models.PositiveIntegerField(default=1)
    # A group rating the township entered for a village that has no operator account.
    entered_by_township = models.BooleanField(_("entered by the township"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        ordering = ["round", "title", "unit__division_code", "unit__name"]
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")
        constraints = [
            models.UniqueConstraint(
                fields=["round", "title", "unit"], name="assessment_unique_application"
            )
        ]
        indexes = [models.Index(fields=["state", "stage"], name="assessment_state_stage")]

    def __str__(self):
        return f"{self.unit} · {self.get_title_display()}"

    @property
    def is_open(self) -> bool:
        return self.state == AssessmentState.OPEN


class Score(models.Model):
    """One version of one item's score at one stage. Never updated: a change adds a version and
    marks the previous one not current."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="scores")
    item = models.ForeignKey("standards.Item", on_delete=models.PROTECT, related_name="+")
    stage = models.PositiveSmallIntegerField(_("stage"))
    points = models.DecimalField(_("score"), max_digits=6, decimal_places=1, null=True, blank=True)
    veto_violated = models.BooleanField(_("veto item violated"), null=True, blank=True)
    current_state = models.TextField(_("current state"), blank=True)
    measures = models.TextField(_("corrective measures"), blank=True)
    suggested = models.DecimalField(max_digits=6, decimal_places=1, null=True, blank=True)
    metric_value = models.CharField(max_length=100, blank=True)
    override_reason = models.TextField(_("reason for overriding the suggestion"), blank=True)
    is_current = models.BooleanField(default=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("saved at"), auto_now_add=True)

    class Meta:
        ordering = ["assessment", "stage", "item", "id"]
        verbose_name = _("score")
        verbose_name_plural = _("scores")
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "stage", "item"],
                condition=Q(is_current=True),
                name="score_one_current_version",
            )
        ]

    def __str__(self):
        return f"{self.assessment} · {self.item_id}@{self.stage}: {self.points}"


class TransitionAction(models.TextChoices):
    APPLY = "apply", _("Applied")
    SUBMIT = "submit", _("Submitted")
    PASS = "pass", _("Passed to the next stage")
    RETURN = "return", _("Returned")
    AWARD = "award", _("Decided: awarded")
    NOT_AWARD = "not_award", _("Decided: not awarded")
    WITHDRAW = "withdraw", _("Withdrawn")


class Transition(models.Model):
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="transitions")
    action = models.CharField(_("action"), max_length=16, choices=TransitionAction.choices)
    from_stage = models.PositiveSmallIntegerField()
    to_stage = models.PositiveSmallIntegerField()
    reason = models.TextField(_("reason"), blank=True)
    items = models.JSONField(default=list, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        ordering = ["assessment", "id"]
        verbose_name = _("transition")
        verbose_name_plural = _("transitions")

    def __str__(self):
        return f"{self.assessment} · {self.action}"


class Comment(models.Model):
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="comments")
    item = models.ForeignKey(
        "standards.Item", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    stage = models.PositiveSmallIntegerField(_("stage"))
    text = models.TextField(_("comment"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        ordering = ["assessment", "id"]
        verbose_name = _("comment")
        verbose_name_plural = _("comments")

    def __str__(self):
        return self.text[:40]


class TitleStatus(models.TextChoices):
    AWARDED = "awarded", _("Awarded")
    REVOKED = "revoked", _("Revoked")
    SUPERSEDED = "superseded", _("Superseded")


class RevocationCause(models.TextChoices):
    SPOT_CHECK = "spot_check", _("Failed spot check")
    REINSPECTION = "reinspection", _("Re-inspection")
    VETO = "veto", _("Veto item found later")
    OTHER = "other", _("Other")


class AwardedTitleQuerySet(models.QuerySet):
    def held_in(self, year: int, closed=None) -> models.QuerySet:
        """The titles by which their units hold their kind in `year`, under the one rule of
        assessments/standing.py. Filter by unit and kind, never by year: the rule reads the
        earlier years' titles too."""
        from assessments import standing

        closed = closed or standing.closed_ratings()
        rows = self.values_list(
            "unit_id", "title", *standing.ROW_FIELDS, *(f"unit__{c}_id" for c in ANCESTOR_COLUMNS)
        ).order_by()
        by_unit: dict[tuple, list] = {}
        for unit_id, title, *rest in rows:
            fields, ancestors = rest[: len(standing.ROW_FIELDS)], rest[len(standing.ROW_FIELDS) :]
            entry = by_unit.setdefault((unit_id, title), ([], (*ancestors, unit_id)))
            entry[0].append(standing.row_of(fields))
        held = []
        for (_unit_id, title), (titles, chain) in by_unit.items():
            holding = standing.holding_in(titles, year, closed.for_unit(title, chain))
            if holding is not None:
                held.append(holding.id)
        return self.filter(pk__in=held)


class AwardedTitle(models.Model):
    """What a decision awards, or a title carried in from 双创 or an earlier campaign. Revocation
    keeps the row, with who, when and why. Whether a unit holds a title in a year is decided only
    by assessments/standing.py (`AwardedTitle.objects.held_in`)."""

    unit = models.ForeignKey(
        "orgs.OrgUnit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="titles"
    )
    title = models.CharField(_("title"), max_length=32, choices=TitleKind.choices)
    year = models.PositiveSmallIntegerField(_("year"))
    assessment = models.OneToOneField(
        Assessment, null=True, blank=True, on_delete=models.PROTECT, related_name="awarded_title"
    )
    status = models.CharField(
        _("status"), max_length=16, choices=TitleStatus.choices, default=TitleStatus.AWARDED
    )
    awarded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    awarded_at = models.DateTimeField(_("awarded at"))
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revocation_cause = models.CharField(
        _("cause"), max_length=16, choices=RevocationCause.choices, blank=True
    )
    revocation_reason = models.TextField(_("reason"), blank=True)
    # The year from which a revocation counts (the title's own year unless the revoker said later).
    revoked_from = models.PositiveSmallIntegerField(_("revoked from"), null=True, blank=True)
    # Copied from the standard at award: the title is held this many years, whatever the yearly
    # ratings say; None: re-rated every year (动态管理).
    valid_years = models.PositiveSmallIntegerField(_("valid for years"), null=True, blank=True)
    # A title the unit already held (双创 or an earlier campaign), recorded by its county.
    carried_in = models.BooleanField(_("carried in"), default=False)
    issuer = models.CharField(_("issuing body"), max_length=100, blank=True)
    document_number = models.CharField(_("document number"), max_length=100, blank=True)

    objects = AwardedTitleQuerySet.as_manager()

    class Meta:
        ordering = ["-year", "title", "unit__division_code"]
        verbose_name = _("title")
        verbose_name_plural = _("titles")
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "title", "year"],
                condition=Q(status="awarded"),
                name="title_one_awarded_per_year",
            )
        ]
        indexes = [models.Index(fields=["title", "year", "status"], name="title_kind_year")]

    def __str__(self):
        return f"{self.unit} · {self.get_title_display()} · {self.year}"


class SpotCheck(models.Model):
    """A reproducible draw of units to inspect: the same population, seed and rule give the same
    sample, so anyone can re-draw it and compare."""

    round = models.ForeignKey(Round, on_delete=models.PROTECT, related_name="spot_checks")
    title = models.CharField(_("title"), max_length=32, choices=TitleKind.choices)
    share = models.DecimalField(
        _("share per township"), max_digits=4, decimal_places=3, null=True, blank=True
    )
    count = models.PositiveSmallIntegerField(_("count per township"), null=True, blank=True)
    # Blank: every township of the round; set: the draw is only among that township's units.
    township = models.ForeignKey(
        "orgs.OrgUnit",
        verbose_name=_("township"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    seed = models.BigIntegerField(_("seed"))
    # The ordered population the sample was drawn from (assessment ids), kept for re-drawing.
    population = models.JSONField(default=list)
    drawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    drawn_at = models.DateTimeField(_("drawn at"), auto_now_add=True)

    class Meta:
        ordering = ["-drawn_at"]
        verbose_name = _("spot check")
        verbose_name_plural = _("spot checks")

    def __str__(self):
        return f"{self.round} · {self.get_title_display()} · {self.seed}"


class SpotCheckResult(models.TextChoices):
    PENDING = "pending", _("To inspect")
    PASSED = "passed", _("Passed")
    FAILED = "failed", _("Failed")


class SpotCheckEntry(models.Model):
    spot_check = models.ForeignKey(SpotCheck, on_delete=models.CASCADE, related_name="entries")
    assessment = models.ForeignKey(Assessment, on_delete=models.PROTECT, related_name="+")
    result = models.CharField(
        _("result"),
        max_length=16,
        choices=SpotCheckResult.choices,
        default=SpotCheckResult.PENDING,
    )
    reason = models.TextField(_("reason"), blank=True)
    inspected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    inspected_at = models.DateTimeField(_("inspected at"), null=True, blank=True)

    class Meta:
        ordering = ["spot_check", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["spot_check", "assessment"], name="spot_check_entry_unique"
            )
        ]

    def __str__(self):
        return f"{self.spot_check} · {self.assessment_id}: {self.result}"


class Selection(models.Model):
    """评先: the organiser's selection of advanced townships in a round, against the number of
    places (名额) it sets. The county marks each recommended township 入选 or 未入选; the city
    confirms those selected with its document number (文号), and the titles are then the city's."""

    round = models.OneToOneField(Round, on_delete=models.PROTECT, related_name="selection")
    places = models.PositiveSmallIntegerField(_("places"))
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    confirmed_document = models.CharField(_("document number"), max_length=100, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("selection of the advanced")
        verbose_name_plural = _("selections of the advanced")

    def __str__(self):
        return f"{self.round} · {self.places}"


class SelectionMark(models.Model):
    """The county's 入选 or 未入选 for one recommended township, with its reason."""

    selection = models.ForeignKey(Selection, on_delete=models.CASCADE, related_name="marks")
    assessment = models.OneToOneField(
        Assessment, on_delete=models.CASCADE, related_name="selection_mark"
    )
    selected = models.BooleanField(_("selected"))
    reason = models.TextField(_("reason"))
    score = models.DecimalField(_("score"), max_digits=6, decimal_places=1)
    marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    marked_at = models.DateTimeField(_("marked at"), auto_now_add=True)

    class Meta:
        ordering = ["selection", "-selected", "-score", "id"]
        verbose_name = _("selection mark")
        verbose_name_plural = _("selection marks")

    def __str__(self):
        return f"{self.assessment} · {self.selected}"
