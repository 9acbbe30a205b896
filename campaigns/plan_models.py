"""The campaign's five-year frame: targets, the townships' baseline surveys, their five-year
creation plans (versioned, approved by the county) and their pilots."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

__all__ = [
    "Campaign",
    "CreationPlan",
    "FirstClassBase",
    "Pilot",
    "PlanEntry",
    "PlanStatus",
    "PlanVersion",
    "Standing",
    "SurveyEntry",
    "TownshipTarget",
]

PERCENT = [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))]


class FirstClassBase(models.TextChoices):
    """What the plan's “其中一流…不低于25%” is a share of; the text is ambiguous."""

    ALL_VILLAGES = "all_villages", _("of all villages")
    QUALIFIED_OR_BETTER = "qualified_or_better", _("of villages qualified or better")


class Campaign(models.Model):
    """The five-year campaign organised by a county (or a higher level) for its subtree."""

    organiser = models.ForeignKey(
        "orgs.OrgUnit", verbose_name=_("organiser"), on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("name"), max_length=100)
    first_year = models.PositiveSmallIntegerField(_("first year"))
    last_year = models.PositiveSmallIntegerField(_("last year"))
    five_good_share = models.DecimalField(
        _("groups five-good (%)"),
        max_digits=5,
        decimal_places=1,
        default=Decimal("50"),
        validators=PERCENT,
    )
    qualified_share = models.DecimalField(
        _("villages qualified or first-class (%)"),
        max_digits=5,
        decimal_places=1,
        default=Decimal("80"),
        validators=PERCENT,
    )
    first_class_share = models.DecimalField(
        _("villages first-class (%)"),
        max_digits=5,
        decimal_places=1,
        default=Decimal("25"),
        validators=PERCENT,
    )
    first_class_base = models.CharField(
        _("first-class share is counted"),
        max_length=32,
        choices=FirstClassBase.choices,
        default=FirstClassBase.ALL_VILLAGES,
    )
    advanced_townships = models.PositiveSmallIntegerField(
        _("advanced townships (count)"), null=True, blank=True
    )
    # Whether enterprise associations count among the 村(居) of the village targets; by default
    # they keep their own figures (the plan's 80 %/25 % are of villages and communities).
    enterprises_count_as_villages = models.BooleanField(
        _("enterprise associations count among villages"), default=False
    )
    large_township_population = models.PositiveIntegerField(
        _("population of a large township"),
        default=30000,
        help_text=_("A township above this population runs at least two pilots a year."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-first_year", "-id"]
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        constraints = [
            models.UniqueConstraint(fields=["organiser", "name"], name="campaign_unique_name"),
            models.CheckConstraint(
                condition=Q(last_year__gte=models.F("first_year")), name="campaign_years_ordered"
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def years(self) -> list[int]:
        return list(range(self.first_year, self.last_year + 1))

    def counts_of(self, figures):
        """A unit's counts for this campaign's targets: its enterprise associations join the
        villages only when the campaign counts them among 村(居)."""
        from campaigns.targets import Counts

        return Counts.of(figures, with_enterprises=self.enterprises_count_as_villages)


class TownshipTarget(models.Model):
    """A township's own targets; a blank figure inherits the campaign's."""

    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="township_targets"
    )
    township = models.ForeignKey(
        "orgs.OrgUnit", verbose_name=_("township"), on_delete=models.PROTECT, related_name="+"
    )
    five_good_share = models.DecimalField(
        _("groups five-good (%)"),
        max_digits=5,
        decimal_places=1,
        null=True,
        blank=True,
        validators=PERCENT,
    )
    qualified_share = models.DecimalField(
        _("villages qualified or first-class (%)"),
        max_digits=5,
        decimal_places=1,
        null=True,
        blank=True,
        validators=PERCENT,
    )
    first_class_share = models.DecimalField(
        _("villages first-class (%)"),
        max_digits=5,
        decimal_places=1,
        null=True,
        blank=True,
        validators=PERCENT,
    )

    class Meta:
        verbose_name = _("township target")
        verbose_name_plural = _("township targets")
        constraints = [
            models.UniqueConstraint(fields=["campaign", "township"], name="township_target_unique")
        ]

    def __str__(self):
        return f"{self.campaign} · {self.township}"


class Standing(models.TextChoices):
    NONE = "none", _("Not yet qualified")
    QUALIFIED = "qualified", _("Qualified")
    FIRST_CLASS = "first_class", _("First-class")


class SurveyEntry(models.Model):
    """One village's line of its township's baseline survey (调查摸底), as saved by the township.

    Prefilled from titles and the last assessment; what the township saves is kept as it said,
    so later decisions do not silently rewrite the survey it reported."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="survey_entries")
    township = models.ForeignKey("orgs.OrgUnit", on_delete=models.PROTECT, related_name="+")
    village = models.ForeignKey(
        "orgs.OrgUnit", verbose_name=_("village"), on_delete=models.PROTECT, related_name="+"
    )
    standing = models.CharField(
        _("current standing"), max_length=16, choices=Standing.choices, default=Standing.NONE
    )
    # [{"section": name, "points": maximum, "score": value or null}], in the standard's order.
    section_scores = models.JSONField(_("section scores"), default=list, blank=True)
    assessment = models.ForeignKey(
        "assessments.Assessment",
        verbose_name=_("last assessment"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    gaps = models.TextField(_("gaps to the next title"), blank=True)
    notes = models.TextField(_("notes"), blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["campaign", "village__division_code", "village__name"]
        verbose_name = _("survey entry")
        verbose_name_plural = _("survey entries")
        constraints = [
            models.UniqueConstraint(fields=["campaign", "village"], name="survey_entry_unique")
        ]

    def __str__(self):
        return f"{self.campaign} · {self.village}"


class PlanStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted, awaiting the county")
    APPROVED = "approved", _("Approved")
    RETURNED = "returned", _("Returned")


class CreationPlan(models.Model):
    """A township's five-year creation plan (五年创建规划): the draft being edited, and the
    versions it submitted."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="plans")
    township = models.ForeignKey(
        "orgs.OrgUnit", verbose_name=_("township"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=16, choices=PlanStatus.choices, default=PlanStatus.DRAFT
    )
    # 三级联创: the township's own aim, the year it means to be selected an advanced township.
    advanced_year = models.PositiveSmallIntegerField(
        _("aims to be an advanced township in"), null=True, blank=True
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["campaign", "township__division_code", "township__name"]
        verbose_name = _("five-year creation plan")
        verbose_name_plural = _("five-year creation plans")
        constraints = [
            models.UniqueConstraint(fields=["campaign", "township"], name="creation_plan_unique")
        ]

    def __str__(self):
        return f"{self.campaign} · {self.township}"


class PlanVersion(models.Model):
    """What the township submitted, frozen; the county approves or returns it."""

    plan = models.ForeignKey(CreationPlan, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveSmallIntegerField(_("version"))
    status = models.CharField(
        _("status"), max_length=16, choices=PlanStatus.choices, default=PlanStatus.SUBMITTED
    )
    # The checks' messages at submission: [{"severity", "code", "message"}].
    checks = models.JSONField(default=list, blank=True)
    note = models.TextField(_("note to the county"), blank=True)
    advanced_year = models.PositiveSmallIntegerField(
        _("aims to be an advanced township in"), null=True, blank=True
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_at = models.DateTimeField(_("submitted at"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        ordering = ["plan", "-number"]
        verbose_name = _("plan version")
        verbose_name_plural = _("plan versions")
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="plan_version_unique")
        ]

    def __str__(self):
        return f"{self.plan} v{self.number}"


class PlanEntry(models.Model):
    """One village's planned years: in the draft (no version) or in a submitted version."""

    plan = models.ForeignKey(CreationPlan, on_delete=models.CASCADE, related_name="entries")
    version = models.ForeignKey(
        PlanVersion, null=True, blank=True, on_delete=models.CASCADE, related_name="entries"
    )
    village = models.ForeignKey(
        "orgs.OrgUnit", verbose_name=_("village"), on_delete=models.PROTECT, related_name="+"
    )
    qualified_year = models.PositiveSmallIntegerField(_("qualified in"), null=True, blank=True)
    first_class_year = models.PositiveSmallIntegerField(_("first-class in"), null=True, blank=True)
    # 三级联创: the number of the village's groups planned to be five-good by the end of each
    # year, {"2027": 2, …} (campaigns/plan_levels.py), and its 特色/措施.
    five_good_groups = models.JSONField(_("five-good groups by year"), default=dict, blank=True)
    note = models.TextField(_("features and measures"), blank=True)

    class Meta:
        ordering = ["plan", "version", "village__division_code", "village__name"]
        verbose_name = _("plan entry")
        verbose_name_plural = _("plan entries")
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "village"],
                condition=Q(version__isnull=True),
                name="plan_entry_unique_draft",
            ),
            models.UniqueConstraint(fields=["version", "village"], name="plan_entry_unique"),
        ]

    def __str__(self):
        return f"{self.plan} · {self.village}"


class Pilot(models.Model):
    """A village a township takes as a pilot (试点 / 典型村) in one year of the campaign."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="pilots")
    township = models.ForeignKey("orgs.OrgUnit", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("year"))
    village = models.ForeignKey(
        "orgs.OrgUnit", verbose_name=_("village"), on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["campaign", "year", "township", "village__name"]
        verbose_name = _("pilot")
        verbose_name_plural = _("pilots")
        constraints = [
            models.UniqueConstraint(fields=["campaign", "year", "village"], name="pilot_unique")
        ]

    def __str__(self):
        return f"{self.village} · {self.year}"
