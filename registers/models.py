"""Members, posts, trainings, service activities, 三纳入四同时 and the association profile."""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey, GenericRelation
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.loaded import RemembersLoadedValues


class Sex(models.TextChoices):
    MALE = "male", _("Male")
    FEMALE = "female", _("Female")


class Education(models.TextChoices):
    PRIMARY = "primary", _("Primary school or less")
    JUNIOR = "junior", _("Junior secondary")
    SENIOR = "senior", _("Senior secondary / vocational")
    COLLEGE = "college", _("College")
    UNIVERSITY = "university", _("University or above")


class MemberStatus(models.TextChoices):
    """On the register, or left it (退会) for one of the plan's reasons: 劝退 is only the members
    asked to leave, so its count means what it says."""

    ACTIVE = "active", _("On the register")
    WITHDRAWN = "withdrawn", _("Withdrawn by persuasion")
    RESIGNED = "resigned", _("Left of their own will")
    MOVED = "moved", _("Moved away")
    DECEASED = "deceased", _("Died")


# Words in an old 劝退 reason that show the member in fact left of their own will.
VOLUNTARY_LEAVE_WORDS = ("自愿", "本人申请", "本人同意", "主动退")


class RecruitmentCategory(models.Model):
    """A configurable recruitment category; seeded with the plan's five."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=40, unique=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        ordering = ["sort_order", "id"]
        verbose_name = _("recruitment category")
        verbose_name_plural = _("recruitment categories")

    def __str__(self):
        return self.name


class Member(RemembersLoadedValues, models.Model):
    """One person in the member register of a village-level association (or urban branch)."""

    # No index of their own: member_unit_status and member_group_status (Meta.indexes) lead with
    # these columns and serve every lookup by them; one index fewer to keep up on each insert.
    unit = models.ForeignKey(
        "orgs.OrgUnit",
        verbose_name=_("association"),
        on_delete=models.PROTECT,
        related_name="members",
        db_index=False,
    )
    group = models.ForeignKey(
        "orgs.OrgUnit",
        verbose_name=_("group"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="group_members",
        db_index=False,
    )
    name = models.CharField(_("name"), max_length=50)
    sex = models.CharField(_("sex"), max_length=6, choices=Sex.choices, blank=True)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    # Personal information: encrypted with a key outside the database, a keyed hash for lookup
    # and dedupe, and a masked form for display (registers.pii).
    id_number_encrypted = models.TextField(blank=True)
    id_number_hash = models.CharField(max_length=64, null=True, blank=True, unique=True)
    id_number_masked = models.CharField(_("ID number"), max_length=18, blank=True)
    phone_encrypted = models.TextField(blank=True)
    phone_hash = models.CharField(max_length=64, blank=True, db_index=True)
    phone_masked = models.CharField(_("phone"), max_length=20, blank=True)
    education = models.CharField(
        _("education"), max_length=12, choices=Education.choices, blank=True
    )
    occupation = models.CharField(_("occupation"), max_length=50, blank=True)
    join_date = models.DateField(_("join date"), null=True, blank=True)
    categories = models.ManyToManyField(
        RecruitmentCategory,
        verbose_name=_("recruitment categories"),
        blank=True,
        related_name="members",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=MemberStatus.choices, default=MemberStatus.ACTIVE
    )
    status_date = models.DateField(_("status date"), null=True, blank=True)
    status_reason = models.CharField(_("reason"), max_length=200, blank=True)
    moved_to = models.ForeignKey(
        "orgs.OrgUnit",
        verbose_name=_("moved to"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["unit", "name", "id"]
        verbose_name = _("member")
        verbose_name_plural = _("members")
        permissions = [("unmask_personal_info", _("Can see unmasked ID numbers and phones"))]
        indexes = [
            models.Index(fields=["unit", "status", "name"], name="member_unit_status"),
            models.Index(fields=["group", "status"], name="member_group_status"),
        ]

    def __str__(self):
        return self.name


class PostKind(models.TextChoices):
    PRESIDENT = "president", _("President")
    VICE_PRESIDENT = "vice_president", _("Vice-president")
    SECRETARY_GENERAL = "secretary_general", _("Secretary-general")
    COUNCIL_MEMBER = "council_member", _("Council member")
    GROUP_LEADER = "group_leader", _("Group leader")
    STAFF = "staff", _("Full-time staff")


# Posts a village-level association must fill (group leaders are required per group).
REQUIRED_POSTS = (PostKind.PRESIDENT, PostKind.SECRETARY_GENERAL, PostKind.COUNCIL_MEMBER)
# Posts with one holder at a time in one unit.
SINGLE_HOLDER_POSTS = (PostKind.PRESIDENT, PostKind.SECRETARY_GENERAL, PostKind.GROUP_LEADER)


class Post(models.Model):
    """A term in a post: who held which post in which unit, from when to when."""

    unit = models.ForeignKey(
        "orgs.OrgUnit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="posts"
    )
    kind = models.CharField(_("post"), max_length=20, choices=PostKind.choices)
    member = models.ForeignKey(
        Member,
        verbose_name=_("member"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="posts",
    )
    holder_name = models.CharField(_("holder"), max_length=50)
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["unit", "kind", "-start_date"]
        verbose_name = _("post")
        verbose_name_plural = _("posts")
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "kind"],
                condition=Q(end_date__isnull=True)
                & Q(kind__in=["president", "secretary_general", "group_leader"]),
                name="post_one_current_holder",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.holder_name}"

    @property
    def is_current(self) -> bool:
        return self.end_date is None


class Evidence(models.Model):
    """A file attached as evidence to a record; stored outside the web root."""

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.PositiveBigIntegerField()
    record = GenericForeignKey("content_type", "object_id")
    slot = models.CharField(_("item"), max_length=40, blank=True)
    unit = models.ForeignKey("orgs.OrgUnit", on_delete=models.PROTECT, related_name="+")
    file = models.FileField(_("file"), upload_to="evidence/%Y/%m/")
    original_name = models.CharField(_("file name"), max_length=200)
    mime_type = models.CharField(max_length=60)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at", "id"]
        verbose_name = _("evidence file")
        verbose_name_plural = _("evidence files")
        indexes = [models.Index(fields=["content_type", "object_id"], name="evidence_record")]

    def __str__(self):
        return self.original_name


class Audience(models.TextChoices):
    PRESIDENTS = "presidents", _("Presidents")
    SECRETARIES = "secretaries", _("Secretaries-general")
    COUNCIL = "council", _("Council members")
    GROUP_LEADERS = "group_leaders", _("Group leaders")
    MEMBERS = "members", _("Members")


class Training(RemembersLoadedValues, models.Model):
    organiser = models.ForeignKey(
        "orgs.OrgUnit",
        verbose_name=_("organising unit"),
        on_delete=models.PROTECT,
        related_name="trainings",
    )
    date = models.DateField(_("date"))
    title = models.CharField(_("title"), max_length=100)
    audiences = models.JSONField(_("audience"), default=list)
    hours = models.DecimalField(_("hours"), max_digits=5, decimal_places=1)
    location = models.CharField(_("place"), max_length=100, blank=True)
    note = models.TextField(_("note"), blank=True)
    attendees = models.ManyToManyField(
        Member, verbose_name=_("attendees"), blank=True, related_name="trainings"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-date", "id"]
        verbose_name = _("training")
        verbose_name_plural = _("trainings")
        indexes = [models.Index(fields=["organiser", "date"], name="training_unit_date")]

    def __str__(self):
        return self.title


class Carrier(models.Model):
    """A carrier or project of service work; configurable, seeded from the plan."""

    name = models.CharField(_("name"), max_length=40, unique=True)
    is_local = models.BooleanField(
        _("local item to confirm"),
        default=False,
        help_text=_("Not defined in the plan; to be confirmed locally."),
    )
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        ordering = ["sort_order", "id"]
        verbose_name = _("carrier")
        verbose_name_plural = _("carriers")

    def __str__(self):
        return self.name


class Need(models.TextChoices):
    THREE_LIVES = "three_lives", _("三生 (production, life, childbirth)")
    THREE_GOODS = "three_goods", _("三优 (good birth, upbringing, education)")
    REPRODUCTIVE_HEALTH = "reproductive_health", _("Reproductive health")


class ServiceActivity(RemembersLoadedValues, models.Model):
    unit = models.ForeignKey(
        "orgs.OrgUnit",
        verbose_name=_("unit"),
        on_delete=models.PROTECT,
        related_name="service_activities",
    )
    date = models.DateField(_("date"))
    carrier = models.ForeignKey(Carrier, verbose_name=_("carrier"), on_delete=models.PROTECT)
    needs = models.JSONField(_("needs served"), default=list)
    title = models.CharField(_("title"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    people_served = models.PositiveIntegerField(_("people served"), default=0)
    funds = models.DecimalField(_("funds (yuan)"), max_digits=12, decimal_places=2, default=0)
    evidence = GenericRelation(Evidence)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-date", "id"]
        verbose_name = _("service activity")
        verbose_name_plural = _("service activities")
        indexes = [models.Index(fields=["unit", "date"], name="activity_unit_date")]

    def __str__(self):
        return self.title


class InclusionItem(models.TextChoices):
    """三纳入四同时: three inclusions and four simultaneities."""

    AGENDA = "agenda", _("Included in the top leader's agenda")
    SUPERVISION = "supervision", _("Included in party and government supervision")
    ASSESSMENT = "assessment", _("Included in the family-planning work assessment")
    DEPLOYED = "deployed", _("Deployed together with family-planning work")
    INSPECTED = "inspected", _("Inspected together with family-planning work")
    ASSESSED = "assessed", _("Assessed together with family-planning work")
    COMMENDED = "commended", _("Commended together with family-planning work")


class InclusionRecord(models.Model):
    township = models.ForeignKey(
        "orgs.OrgUnit",
        verbose_name=_("township"),
        on_delete=models.PROTECT,
        related_name="inclusion_records",
    )
    year = models.PositiveSmallIntegerField(_("year"))
    item = models.CharField(_("item"), max_length=20, choices=InclusionItem.choices)
    achieved = models.BooleanField(_("achieved"), default=False)
    date = models.DateField(_("date"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    # Raised at every change of the item; the checklist's version is the sum over its items
    # (registers.services.inclusion_version), which any save raises.
    version = models.PositiveIntegerField(default=1)
    evidence = GenericRelation(Evidence)

    class Meta:
        ordering = ["township", "year", "item"]
        verbose_name = _("三纳入四同时 item")
        verbose_name_plural = _("三纳入四同时 items")
        constraints = [
            models.UniqueConstraint(fields=["township", "year", "item"], name="inclusion_once")
        ]

    def __str__(self):
        return f"{self.year} {self.get_item_display()}"


class ProfileItem(models.TextChoices):
    """The “八有” checklist."""

    ROSTER = "roster", _("Member roster")
    RULES = "rules", _("Rules")
    VENUE = "venue", _("Venue")
    ACTIVITY_RECORDS = "activity_records", _("Activity records")
    CHARTER = "charter", _("Charter")
    ARCHIVES = "archives", _("Archives")
    WORK_PLAN = "work_plan", _("Work plan")
    SIGN = "sign", _("Association sign")


class AssociationProfile(models.Model):
    """组织健全、有人管事、有钱办事、有章理事: the association's own profile for one year."""

    unit = models.ForeignKey(
        "orgs.OrgUnit",
        verbose_name=_("unit"),
        on_delete=models.PROTECT,
        related_name="profiles",
    )
    year = models.PositiveSmallIntegerField(_("year"))
    has_venue = models.BooleanField(_("has an activity venue"), default=False)
    venue_area = models.DecimalField(
        _("venue area (m²)"), max_digits=8, decimal_places=1, null=True, blank=True
    )
    venue_address = models.CharField(_("venue address"), max_length=200, blank=True)
    funds_village_committee = models.DecimalField(
        _("funds from the village committees"), max_digits=12, decimal_places=2, default=0
    )
    funds_township = models.DecimalField(
        _("funds from the township"), max_digits=12, decimal_places=2, default=0
    )
    funds_county = models.DecimalField(
        _("funds from the county"), max_digits=12, decimal_places=2, default=0
    )
    funds_donations = models.DecimalField(
        _("donations"), max_digits=12, decimal_places=2, default=0
    )
    funds_happiness_project = models.DecimalField(
        _("funds from 幸福工程"), max_digits=12, decimal_places=2, default=0
    )
    spending = models.DecimalField(_("spending"), max_digits=12, decimal_places=2, default=0)
    president_paid = models.BooleanField(_("president's remuneration paid"), default=False)
    leaders_paid = models.BooleanField(_("group leaders' remuneration paid"), default=False)
    checklist = models.JSONField(_("八有 checklist"), default=dict)
    evidence = GenericRelation(Evidence)
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["unit", "-year"]
        verbose_name = _("association profile")
        verbose_name_plural = _("association profiles")
        constraints = [models.UniqueConstraint(fields=["unit", "year"], name="profile_once")]

    def __str__(self):
        return f"{self.unit} {self.year}"
