"""Standards: versioned rubrics for the four titles, with their pass rule and authority chain.

A standard is data. A round pins one version per title, so a new version never changes a past
round's results; a version that a round uses is frozen (`Standard.is_frozen`).
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from orgs.models import Level


class TitleKind(models.TextChoices):
    FIVE_GOOD_GROUP = "five_good_group", _("Five-good association group")
    QUALIFIED_VILLAGE = "qualified_village", _("Qualified village association")
    FIRST_CLASS_VILLAGE = "first_class_village", _("First-class village association")
    ADVANCED_TOWNSHIP = "advanced_township", _("Advanced township association")


# The level of unit that applies for each title.
TITLE_LEVELS = {
    TitleKind.FIVE_GOOD_GROUP: Level.GROUP,
    TitleKind.QUALIFIED_VILLAGE: Level.VILLAGE,
    TitleKind.FIRST_CLASS_VILLAGE: Level.VILLAGE,
    TitleKind.ADVANCED_TOWNSHIP: Level.TOWNSHIP,
}


class StageKind(models.TextChoices):
    SELF_ASSESSMENT = "self_assessment", _("Self-assessment and application")
    RATING = "rating", _("Rating by the village council")
    PRE_REVIEW = "pre_review", _("Pre-review")
    ACCEPTANCE = "acceptance", _("Acceptance")
    VERIFICATION = "verification", _("Verification with the village")
    DECISION = "decision", _("Decision")
    SELECTION = "selection", _("Selection of the advanced")
    CONFIRMATION = "confirmation", _("Review and confirmation")


class Standard(models.Model):
    title = models.CharField(_("title"), max_length=32, choices=TitleKind.choices)
    version = models.PositiveIntegerField(_("version"))
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    pass_total = models.DecimalField(
        _("minimum total"), max_digits=6, decimal_places=1, default=Decimal("0")
    )
    pass_rule_is_assumption = models.BooleanField(
        _("pass rule is a local assumption"),
        default=False,
        help_text=_("No source gives the pass mark: shown as 示例，待本地确认 until confirmed."),
    )
    prerequisite = models.CharField(
        _("prerequisite title"),
        max_length=32,
        choices=TitleKind.choices,
        blank=True,
        help_text=_("递次达标: the unit must already hold this title."),
    )
    prerequisite_same_round = models.BooleanField(
        _("prerequisite may be earned in the same round"), default=True
    )
    validity_years = models.PositiveSmallIntegerField(
        _("validity in years"),
        null=True,
        blank=True,
        help_text=_(
            "Blank: the title is re-rated every year (动态管理). A number: the title is held for "
            "that many years from its award."
        ),
    )
    is_example = models.BooleanField(
        _("example, to be confirmed locally"),
        default=True,
        help_text=_("Shown as 示例，待本地确认 until a county officer confirms the standard."),
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    # The county (or higher unit) that keeps this version; none for the shipped examples, which
    # every county reads and copies but only administrators change.
    unit = models.ForeignKey(
        "orgs.OrgUnit",
        verbose_name=_("kept by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    based_on = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["title", "-version"]
        verbose_name = _("standard")
        verbose_name_plural = _("standards")
        constraints = [
            models.UniqueConstraint(fields=["title", "version"], name="standard_title_version")
        ]

    def __str__(self):
        return f"{self.name} v{self.version}"

    @property
    def level(self) -> int:
        return TITLE_LEVELS[self.title]

    @property
    def total_points(self) -> Decimal:
        return sum((s.points for s in self.sections.all()), Decimal("0"))

    @property
    def is_frozen(self) -> bool:
        """A version a round has pinned never changes again."""
        return self.round_titles.exists()

    def ordered_stages(self) -> list["Stage"]:
        return list(self.stages.order_by("position"))


class Section(models.Model):
    standard = models.ForeignKey(Standard, on_delete=models.CASCADE, related_name="sections")
    position = models.PositiveSmallIntegerField(_("order"))
    name = models.CharField(_("name"), max_length=100)
    points = models.DecimalField(_("points"), max_digits=6, decimal_places=1)
    min_points = models.DecimalField(
        _("minimum points"), max_digits=6, decimal_places=1, null=True, blank=True
    )
    is_assumption = models.BooleanField(_("local assumption"), default=False)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["standard", "position"]
        verbose_name = _("section")
        verbose_name_plural = _("sections")
        constraints = [
            models.UniqueConstraint(fields=["standard", "position"], name="section_position")
        ]

    def __str__(self):
        return self.name


class Item(models.Model):
    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveSmallIntegerField(_("order"))
    number = models.CharField(_("number"), max_length=10)
    text = models.TextField(_("item"))
    points = models.DecimalField(_("points"), max_digits=6, decimal_places=1)
    guidance = models.TextField(_("scoring guidance"), blank=True)
    evidence_asked = models.TextField(_("evidence asked for"), blank=True)
    is_veto = models.BooleanField(
        _("veto item"), default=False, help_text=_("一票否决: fails the title whatever the total.")
    )
    metric = models.CharField(_("metric"), max_length=40, blank=True)
    # Suggested score from the metric: [{"min": value, "score": points}, …], the highest band
    # whose minimum the metric reaches wins.
    metric_bands = models.JSONField(_("metric bands"), default=list, blank=True)
    is_assumption = models.BooleanField(_("local assumption"), default=False)

    class Meta:
        ordering = ["section__position", "position"]
        verbose_name = _("item")
        verbose_name_plural = _("items")
        constraints = [
            models.UniqueConstraint(fields=["section", "position"], name="item_position")
        ]

    def __str__(self):
        return f"{self.number}. {self.text[:40]}"


class Stage(models.Model):
    """One step of the standard's authority chain; position 0 is the applicant's own."""

    standard = models.ForeignKey(Standard, on_delete=models.CASCADE, related_name="stages")
    position = models.PositiveSmallIntegerField(_("order"))
    kind = models.CharField(_("stage"), max_length=32, choices=StageKind.choices)
    level = models.PositiveSmallIntegerField(_("acting level"), choices=Level.choices)
    is_spot_check = models.BooleanField(
        _("spot check of a sample"),
        default=False,
        help_text=_("The level decides without scoring every unit and inspects a drawn sample."),
    )

    class Meta:
        ordering = ["standard", "position"]
        verbose_name = _("stage")
        verbose_name_plural = _("stages")
        constraints = [
            models.UniqueConstraint(fields=["standard", "position"], name="stage_position")
        ]

    def __str__(self):
        return f"{self.get_kind_display()} ({self.get_level_display()})"
