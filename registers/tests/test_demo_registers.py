"""The demo registers (sanlian.demo.registers) on small trees: what a county office would
expect to see."""

import hashlib
from collections import Counter, defaultdict
from datetime import date, timedelta

import pytest
from django.db import connection, transaction
from django.db.models import Count, Q

from audit.models import AuditEvent
from audit.services import verify_chain
from conftest import restore_migration_data
from orgs.bulk import GenerateOptions, generate_tree
from orgs.models import Category, Level, OrgUnit
from orgs.services import do_create_unit
from registers import pii
from registers.forms_records import ProfileForm
from registers.identity import (
    birth_date_from_id,
    mask_id_number,
    mask_phone,
    parse_id_number,
    parse_phone,
    sex_from_id,
)
from registers.models import (
    AssociationProfile,
    Audience,
    InclusionItem,
    InclusionRecord,
    Member,
    MemberStatus,
    Need,
    Post,
    PostKind,
    ProfileItem,
    RecruitmentCategory,
    ServiceActivity,
    Training,
)
from sanlian.demo import register_parts
from sanlian.demo import registers as demo

TODAY = date(2025, 10, 20)
YEAR_START = date(TODAY.year, 1, 1)
SEED = 11


def _holders(county):
    return OrgUnit.objects.filter(county=county).filter(
        Q(level=Level.VILLAGE) | Q(category=Category.URBAN_BRANCH)
    )


def _check_deferred_constraints():
    """Check PostgreSQL's deferred foreign keys of the class's rows now, once: otherwise every
    test's teardown checks them all again inside its savepoint (seconds a test)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")


@pytest.fixture(scope="class")
def county(django_db_setup, django_db_blocker):
    """A generated county of 12 villages (4 groups each) with an urban branch, and its
    registers, built once for a class and rolled back after it."""
    with django_db_blocker.unblock(), transaction.atomic():
        restore_migration_data()  # (a transactional test run before may have emptied them)
        options = GenerateOptions(
            townships=2, villages_per_township=6, groups_per_village=4, seed=3
        )
        generate_tree(options)
        county = OrgUnit.objects.get(level=Level.COUNTY)
        branch = do_create_unit(
            None,
            parent=county,
            name="城关分会",
            level=Level.TOWNSHIP,
            category=Category.URBAN_BRANCH,
        )
        for village in OrgUnit.objects.filter(county=county, level=Level.VILLAGE)[:2]:
            do_create_unit(
                None,
                parent=branch,
                name=f"{village.name}进城小组",
                level=Level.GROUP,
                home_village=village,
            )
        county.counts = demo.build_demo_registers(county, seed=SEED, today=TODAY)
        _check_deferred_constraints()
        yield county
        transaction.set_rollback(True)


@pytest.mark.usefixtures("county")
class TestTheDemoRegisters:
    def test_it_gives_every_association_100_to_400_members_in_its_own_groups(self, db, county):
        sizes = dict(_holders(county).annotate(n=Count("members")).values_list("name", "n"))
        assert len(sizes) == 13
        assert all(100 <= n <= 400 for n in sizes.values()), sizes
        for member in Member.objects.exclude(group=None).select_related("group"):
            assert member.group.parent_id == member.unit_id
        assert not Member.objects.filter(group=None, unit__children__isnull=False).exists()

    def test_it_makes_valid_id_numbers_that_match_sex_and_birth_date(self, db, county):
        for member in Member.objects.all():
            number = pii.decrypt(member.id_number_encrypted)
            assert parse_id_number(number, today=TODAY) == number
            assert number.startswith(county.division_code[:6])
            assert birth_date_from_id(number) == member.birth_date
            assert sex_from_id(number) == member.sex
            age_at_join = member.join_date.year - member.birth_date.year
            assert age_at_join >= 18 and member.join_date <= TODAY
            assert 18 <= TODAY.year - member.birth_date.year <= 83

    def test_it_keeps_personal_information_encrypted_hashed_and_masked(self, db, county):
        phones = 0
        for member in Member.objects.all():
            number = pii.decrypt(member.id_number_encrypted)
            assert number not in member.id_number_encrypted
            assert member.id_number_hash == pii.blind_index("id", number)
            assert member.id_number_masked == mask_id_number(number)
            phone = pii.decrypt(member.phone_encrypted)
            if phone:
                phones += 1
                assert parse_phone(phone) == phone
                assert phone not in member.phone_encrypted
                assert member.phone_hash == pii.blind_index("phone", phone)
                assert member.phone_masked == mask_phone(phone)
            else:
                assert member.phone_hash == member.phone_masked == ""
        assert 0.85 < phones / Member.objects.count() < 1

    def test_it_mixes_the_recruitment_categories(self, db, county):
        per_member = Counter(
            Member.objects.annotate(n=Count("categories")).values_list("n", flat=True)
        )
        assert per_member[0] > 0 and per_member[1] > 0 and per_member[2] > 0
        used = set(Member.categories.through.objects.values_list("recruitmentcategory__code"))
        assert {code for (code,) in used} == set(
            RecruitmentCategory.objects.values_list("code", flat=True)
        )
        for member in Member.objects.filter(categories__code="five_elders"):
            assert TODAY.year - member.birth_date.year >= 60
        for member in Member.objects.filter(categories__code="young_educated"):
            assert TODAY.year - member.birth_date.year <= 40

    def test_it_withdraws_moves_and_loses_a_few(self, db, county):
        statuses = Counter(Member.objects.values_list("status", flat=True))
        assert set(statuses) == set(MemberStatus.values)
        assert sum(statuses.values()) - statuses[MemberStatus.ACTIVE] < 0.1 * statuses.total()
        for member in Member.objects.exclude(status=MemberStatus.ACTIVE):
            assert member.join_date < member.status_date <= TODAY
            assert member.status_reason
            assert member.moved_to_id is None or member.status == MemberStatus.MOVED
            assert member.moved_to_id != member.unit_id
        active = Member.objects.filter(status=MemberStatus.ACTIVE)
        assert not active.filter(~Q(status_reason="") | Q(status_date__isnull=False)).exists()

    def test_it_fills_posts_with_current_and_past_terms_and_some_gaps(self, db, county):
        holders = list(_holders(county))
        current = Post.objects.filter(end_date=None)
        for unit in holders:
            assert current.filter(unit=unit, kind=PostKind.PRESIDENT).count() == 1
            assert current.filter(unit=unit, kind=PostKind.COUNCIL_MEMBER).count() >= 3
        for post in Post.objects.select_related("member", "unit"):
            assert post.start_date <= TODAY
            if post.end_date is not None:
                assert post.start_date <= post.end_date < TODAY
            if post.member is not None:
                assert post.holder_name == post.member.name
            if post.kind == PostKind.GROUP_LEADER:
                assert post.unit.level == Level.GROUP
                if post.end_date is None:
                    assert post.member.group_id == post.unit_id
                    assert post.member.status == MemberStatus.ACTIVE
            else:
                assert post.unit in holders
        groups = OrgUnit.objects.filter(parent__in=holders, level=Level.GROUP)
        led = current.filter(kind=PostKind.GROUP_LEADER).values("unit")
        assert groups.exclude(pk__in=led).exists()
        assert groups.filter(pk__in=led).count() > 0.7 * groups.count()
        assert Post.objects.exclude(end_date=None).exists()
        assert set(Post.objects.values_list("kind", flat=True)) == set(PostKind.values)

    def test_it_dates_trainings_within_the_year_with_attendees_from_the_registers(self, db, county):
        levels = set()
        for training in Training.objects.select_related("organiser").prefetch_related("attendees"):
            levels.add(training.organiser.level)
            assert YEAR_START <= training.date <= TODAY
            assert training.hours > 0 and training.title
            assert set(training.audiences) <= set(Audience.values)
            attendees = list(training.attendees.all())
            if training.organiser.level == Level.VILLAGE:
                assert all(m.unit_id == training.organiser_id for m in attendees)
                assert all(m.join_date <= training.date for m in attendees)
            elif training.organiser.level == Level.TOWNSHIP:
                assert all(m.unit.township_id == training.organiser_id for m in attendees)
            assert attendees or training.organiser.level == Level.TOWNSHIP
        assert levels == {Level.COUNTY, Level.TOWNSHIP, Level.VILLAGE}

    def test_it_records_service_activities_through_the_year(self, db, county):
        activities = ServiceActivity.objects.select_related("carrier")
        assert all(YEAR_START <= a.date <= TODAY for a in activities)
        assert all(a.needs and set(a.needs) <= set(Need.values) for a in activities)
        assert all(a.people_served > 0 and a.funds >= 0 for a in activities)
        assert len({a.carrier.name for a in activities}) >= 5
        months = defaultdict(set)
        for activity in activities.filter(unit__level=Level.VILLAGE):
            months[activity.unit_id].add(activity.date.month)
        monthly = [unit for unit, seen in months.items() if len(seen) >= TODAY.month - 2]
        assert len(monthly) >= len(months) / 2

    def test_it_records_the_inclusion_checklist_of_every_township(self, db, county):
        townships = OrgUnit.objects.filter(county=county, level=Level.TOWNSHIP).exclude(
            category=Category.URBAN_BRANCH
        )
        records = InclusionRecord.objects.filter(year=TODAY.year)
        assert records.count() == 7 * townships.count() == InclusionRecord.objects.count()
        for township in townships:
            items = set(records.filter(township=township).values_list("item", flat=True))
            assert items == set(InclusionItem.values)
        assert records.filter(achieved=True).exists()
        for record in records:
            assert (record.date is not None) == record.achieved
            assert record.date is None or YEAR_START <= record.date <= TODAY

    def test_it_profiles_the_villages_for_the_year(self, db, county):
        expected = _holders(county).exclude(category=Category.ENTERPRISE)
        profiles = AssociationProfile.objects.filter(year=TODAY.year)
        assert set(profiles.values_list("unit", flat=True)) == set(
            expected.values_list("pk", flat=True)
        )
        for profile in profiles:
            assert set(profile.checklist) == set(ProfileItem.values)
            # the shape the service writes and the page, the API and the form read
            assert {frozenset(entry) for entry in profile.checklist.values()} == {
                frozenset({"present", "note"})
            }
            assert profile.checklist[ProfileItem.VENUE]["present"] == profile.has_venue
            initial = ProfileForm.initial_from(profile)
            assert initial[f"item-{ProfileItem.ROSTER}-present"] is True
            assert (
                (profile.venue_area is not None) == profile.has_venue == bool(profile.venue_address)
            )
            assert profile.spending >= 0

    def test_it_writes_one_audit_event_with_the_counts(self, db, county):
        event = AuditEvent.objects.get(action=register_parts.BULK_LOAD_ACTION)
        counts = event.after["registers"]
        assert counts == county.counts
        assert counts["members"] == Member.objects.count()
        assert counts["posts"] == Post.objects.count()
        assert counts["trainings"] == Training.objects.count()
        assert counts["activities"] == ServiceActivity.objects.count()
        assert counts["attendances"] == Training.attendees.through.objects.count()
        assert event.unit_id == county.pk and event.after["seed"] == SEED
        assert not AuditEvent.objects.filter(action__startswith="registers.member").exists()
        assert verify_chain().ok

    def test_it_writes_rows_that_pass_full_clean(self, db, county):
        for member in Member.objects.select_related("unit", "group").order_by("id")[::25]:
            member.full_clean(exclude=["id_number_hash", "categories"])
        for model in (Post, Training, ServiceActivity, AssociationProfile, InclusionRecord):
            for row in model.objects.order_by("id")[::10]:
                row.full_clean(validate_unique=False, validate_constraints=False)


def test_it_inserts_every_column_of_a_member():
    columns = {f.column for f in Member._meta.concrete_fields if not f.primary_key}
    assert set(register_parts.MEMBER_COLUMNS) == columns


def _digest() -> str:
    """What a seed decides, without ids or ciphertexts (those are randomised)."""
    position = {
        pk: n for n, pk in enumerate(Member.objects.order_by("id").values_list("id", flat=True))
    }
    members = list(
        Member.objects.order_by("id", "categories__code").values_list(
            "unit_id",
            "group_id",
            "name",
            "sex",
            "birth_date",
            "id_number_hash",
            "phone_hash",
            "education",
            "occupation",
            "join_date",
            "status",
            "status_date",
            "categories__code",
        )
    )
    posts = [
        (unit, kind, position.get(member), name, start, end)
        for unit, kind, member, name, start, end in Post.objects.order_by("id").values_list(
            "unit_id", "kind", "member_id", "holder_name", "start_date", "end_date"
        )
    ]
    trainings = list(Training.objects.order_by("id").values_list("organiser_id", "date", "title"))
    activities = list(
        ServiceActivity.objects.order_by("id").values_list("unit_id", "date", "carrier__name")
    )
    return hashlib.sha256(repr((members, posts, trainings, activities)).encode()).hexdigest()


def _build_and_digest(county, seed) -> str:
    with transaction.atomic():
        demo.build_demo_registers(county, seed=seed, today=TODAY)
        digest = _digest()
        transaction.set_rollback(True)
    return digest


def test_it_builds_the_same_registers_from_the_same_seed(tree):
    first = _build_and_digest(tree.county_a, 5)
    assert not Member.objects.exists()
    assert _build_and_digest(tree.county_a, 5) == first
    assert _build_and_digest(tree.county_a, 6) != first


def test_it_fills_the_small_fixture_tree(tree):
    counts = demo.build_demo_registers(tree.county_a, seed=1, today=TODAY)
    assert counts["units"] == 4  # three villages and the urban branch
    assert not Member.objects.filter(unit__county=tree.county_b).exists()
    assert Member.objects.filter(unit=tree.urban_branch, group=tree.branch_group).count() >= 100
    assert not Member.objects.filter(unit=tree.village_2).exclude(group=None).exists()
    assert 400 <= counts["members"] <= 1600
    assert max(Member.objects.values_list("join_date", flat=True)) <= TODAY
    assert min(Member.objects.values_list("join_date", flat=True)) >= date(2010, 1, 1)
    assert TODAY - timedelta(days=366) < max(Post.objects.values_list("start_date", flat=True))
