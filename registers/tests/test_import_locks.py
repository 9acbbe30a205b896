"""Imports hold the shared locks only for their final step (docs/decisions.md, Many users at
once): a preview never takes the audit chain head; a run records its events and refreshes each
roll-up unit once at its end; the chain and the roll-ups verify."""

from audit import services as audit_services
from audit.models import AuditEvent
from audit.services import verify_chain
from campaigns import rollups
from campaigns.rollups import maintenance as rollup_maintenance
from orgs.models import OrgUnit
from registers.imports import run_import
from spreadsheets.tests.files import write_csv

HEADER = ["单位名称", "层级", "上级代码"]


def _groups_file(tmp_path, village, count):
    rows = [[f"新小组{n}", "小组", village.division_code] for n in range(count)]
    return write_csv(tmp_path / "orgs.csv", [HEADER, *rows])


class HeadTaken(Exception):
    pass


def test_it_previews_an_org_import_without_touching_the_audit_head(tree, tmp_path, monkeypatch):
    path = _groups_file(tmp_path, tree.village_1, 3)

    def taken():
        raise HeadTaken

    monkeypatch.setattr(audit_services, "_locked_head", taken)
    report = run_import("orgs", path, filename="orgs.csv", actor=None, dry_run=True)

    assert report.created == 3 and not report.imported
    assert not OrgUnit.objects.filter(name__startswith="新小组").exists()


def test_it_records_every_row_event_and_refreshes_the_village_once(tree, tmp_path, monkeypatch):
    path = _groups_file(tmp_path, tree.village_1, 5)
    events_before = AuditEvent.objects.count()
    locked = []
    real_lock = rollup_maintenance._lock
    monkeypatch.setattr(
        rollup_maintenance, "_lock", lambda ids: locked.append(ids) or real_lock(ids)
    )

    report = run_import("orgs", path, filename="orgs.csv", actor=None)

    assert report.created == 5 and report.imported
    creations = AuditEvent.objects.filter(action="orgs.unit.create", seq__gt=events_before)
    assert creations.count() == 5
    assert len(locked) == 1  # the village's chain, once, at the end
    assert verify_chain().ok
    assert rollups.verify() == []
