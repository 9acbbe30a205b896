"""An import killed with SIGKILL mid-transaction (between batches, or after its last row and its
audit event but before the commit): the database is intact, the import acknowledged before is all
there, nothing of the killed one is, the audit chain verifies, and the retried import adds each
member once (a second retry changes nothing)."""

import json

import pytest

from audit.models import AuditEvent
from audit.services import verify_chain
from registers.imports import IMPORT_ACTION, run_import
from registers.models import Member
from registers.tests.import_files import member_row, members_csv
from sanlian.tests import crash

WRITER = """
from pathlib import Path
from django.contrib.auth import get_user_model
from registers import imports as importers
from registers.imports import members, running

actor = get_user_model().objects.get(pk=ARGS["actor"])
report = importers.run_import("members", Path(ARGS["first"]), filename="first.csv", actor=actor)
assert report.imported and not report.errors, report.errors
ack("first", report.created)

members.BATCH_SIZE = running.BATCH_SIZE = 5  # the second file: three batches in one transaction
if ARGS["where"] == "between_batches":
    importer = importers.IMPORTERS["members"]
    original_process = importer.process
    batches = []

    def process(self, batch):
        original_process(self, batch)
        batches.append(len(batch))
        if len(batches) == 2:
            die_here()

    importer.process = process
else:
    original_record_event = running.record_event

    def record_event(**fields):
        original_record_event(**fields)
        die_here()

    running.record_event = record_event
importers.run_import("members", Path(ARGS["second"]), filename="second.csv", actor=actor)
ack("second")
"""


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("where", ["between_batches", "before_commit"])
def test_an_import_killed_mid_transaction_leaves_nothing_half_applied(
    live_seeded, tree, village_operator, tmp_path, where
):
    first, second = tmp_path / "first.csv", tmp_path / "second.csv"
    first.write_bytes(members_csv([member_row(n) for n in range(1, 4)]))
    second.write_bytes(members_csv([member_row(n) for n in range(4, 16)]))
    url = crash.database_url(tmp_path)
    args = {
        "actor": village_operator.pk,
        "first": str(first),
        "second": str(second),
        "where": where,
    }

    acks = crash.run_until_killed(WRITER, url, tmp_path, json.dumps(args))

    assert acks == ["first 3"]
    assert crash.left_a_hot_journal(url)
    assert crash.sqlite_integrity(url) == "ok"
    crash.take_back(url)
    assert sorted(Member.objects.values_list("name", flat=True)) == ["会员1", "会员2", "会员3"]
    assert AuditEvent.objects.filter(action=IMPORT_ACTION).count() == 1
    report = verify_chain()
    assert report.ok, report.reason

    # The client retries the import that never answered, then retries it once more.
    retried = run_import("members", second, filename="second.csv", actor=village_operator)
    assert (retried.imported, retried.created) == (True, 12)
    again = run_import("members", second, filename="second.csv", actor=village_operator)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 12)
    assert Member.objects.count() == 15
    assert verify_chain().ok
