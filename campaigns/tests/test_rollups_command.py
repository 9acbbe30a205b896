"""`sanlian rollups rebuild | verify | refresh`, and the bulk paths that send no model signals."""

import pytest
from django.core.management import CommandError, call_command

from audit.models import AuditEvent
from campaigns import rollups
from campaigns.rollup_models import RollupFigure
from registers.imports import run_import
from registers.models import Member
from registers.tests.import_files import VILLAGE_B, member_row, members_csv


def test_it_says_the_roll_ups_agree(tree, capsys):
    call_command("rollups", "verify")  # raises CommandError on any difference
    assert capsys.readouterr().out.strip()


def test_it_fails_verify_listing_each_difference(tree, capsys):
    RollupFigure.objects.filter(unit=tree.township_1, year=2026).update(villages=7)
    with pytest.raises(CommandError):
        call_command("rollups", "verify")
    expected = f"unit {tree.township_1.pk} · 2026 · villages: stored 7, fresh 2"
    assert expected in capsys.readouterr().out


def test_it_rebuilds_with_one_audit_event(tree):
    RollupFigure.objects.filter(unit=tree.county_a).delete()
    call_command("rollups", "rebuild")
    assert rollups.verify() == []
    assert AuditEvent.objects.filter(action=rollups.REBUILD_ACTION).count() == 1


def test_it_refreshes_a_subtree_after_a_bulk_write_by_its_code(tree):
    Member.objects.bulk_create([Member(unit=tree.village_1, name=f"会员{n}") for n in range(3)])
    assert rollups.verify() != []  # bulk_create sends no signals
    call_command("rollups", "refresh", "--unit", "430121100")
    assert rollups.verify() == []
    assert rollups.figures(tree.city, 2026).active_members == 3


def test_it_refuses_an_unknown_unit(tree):
    with pytest.raises(CommandError):
        call_command("rollups", "refresh", "--unit", "999999")


def test_it_counts_members_imported_in_bulk(tree, tmp_path):
    path = tmp_path / "m.csv"
    path.write_bytes(members_csv([member_row(1), member_row(2)]))
    report = run_import("members", path, filename="m.csv", actor=None)
    assert report.imported and report.created == 2
    assert rollups.figures(tree.county_a, 2026).active_members == 2
    assert rollups.verify() == []


def test_it_recomputes_everything_after_an_import_across_counties(tree, tmp_path):
    path = tmp_path / "m.csv"
    rows = [member_row(1), member_row(2, **{"所属村(居)代码": VILLAGE_B, "所属小组": ""})]
    path.write_bytes(members_csv(rows))
    assert run_import("members", path, filename="m.csv", actor=None).created == 2
    assert rollups.figures(tree.city, 2026).active_members == 2
    assert rollups.figures(tree.county_b, 2026).active_members == 1
    assert rollups.verify() == []


def test_it_builds_the_roll_ups_of_an_existing_tree_at_its_first_migrate(tree):
    from campaigns.apps import build_rollups_once

    RollupFigure.objects.all().delete()
    build_rollups_once()
    assert rollups.verify() == []
    build_rollups_once()  # rows exist: nothing to do
    assert AuditEvent.objects.filter(action=rollups.REBUILD_ACTION).count() == 1
