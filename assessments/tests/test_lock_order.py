"""No pair of writing services can deadlock (docs/decisions.md, Lock order): each pair runs in two
connections on PostgreSQL with a forced interleaving: the first pauses right after taking its first
shared lock (the audit chain head, or roll-up rows), the second starts and runs until it waits on
a lock (or ends), then the first goes on. Both must succeed, and the audit chain and the roll-ups
must verify after. A control run with the old order (roll-ups locked before the head) deadlocks,
which shows the harness can catch one.

SQLite takes its single write lock at BEGIN (IMMEDIATE), so two writers there queue and cannot
deadlock; the interleaving does not apply to it."""

import threading
import time
from datetime import date
from types import SimpleNamespace

import pytest
from django.db import connection

from accounts.actions import AccountAction
from accounts.models import RoleKind
from accounts.services import do_create_user, do_grant_role
from assessments.models import AwardedTitle, RevocationCause
from assessments.services import do_decide, do_revoke_title
from assessments.tests.helpers import chain_to_last_stage
from audit import services as audit_services
from audit.services import record_event, verify_chain
from campaigns import rollups
from campaigns.rollups import maintenance as rollup_maintenance
from orgs.models import Level
from orgs.services import do_create_unit, do_retire_unit
from registers.imports import run_import
from registers.services import do_create_member, do_create_training, do_update_member
from registers.tests.import_files import member_row, members_csv

pytestmark = [
    pytest.mark.usefixtures("english"),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="SQLite serialises writers at BEGIN IMMEDIATE: no interleaving to force",
    ),
]

LOCK_WAIT_SECONDS = 20  # how long the second writer is given to reach a lock wait


def _edit(t, p, tmp_path):
    member = do_create_member(None, t.village_1, name="李四")
    return lambda: do_update_member(None, member, phone="13812345678")


def _award(t, p, tmp_path):
    assessment = chain_to_last_stage(p.round, t.village_1, p)
    return lambda: do_decide(p.county, assessment, award=True)


def _revoke(t, p, tmp_path):
    # Village 2, whose own operator applies, so that an award in village 1 can run beside it.
    operator = do_create_user(None, username="village_2", password=None)
    do_grant_role(None, operator, t.village_2, RoleKind.VILLAGE_OPERATOR)
    decided = chain_to_last_stage(
        p.round, t.village_2, SimpleNamespace(**{**vars(p), "village": operator})
    )
    do_decide(p.county, decided, award=True)
    title = AwardedTitle.objects.get(assessment=decided)
    return lambda: do_revoke_title(
        p.county, title, cause=RevocationCause.REINSPECTION, reason="复查"
    )


def _import(t, p, tmp_path):
    path = tmp_path / "members.csv"
    path.write_bytes(members_csv([member_row(1), member_row(2)]))
    return lambda: run_import("members", path, filename="members.csv", actor=None)


# One writer for each way of taking the shared locks (a member's status change and an activity take
# the path of a member edited and a training). Each prepares what it acts on before the pair runs
# and returns the write itself.
WRITERS = {
    "member created": lambda t, p, tmp: lambda: do_create_member(None, t.village_1, name="张三"),
    # Locks the member's row first: with FOR UPDATE (not NO KEY) it also blocked the foreign-key
    # check that a member created in its village makes at commit, a deadlock through the head.
    "member edited": _edit,
    "training": lambda t, p, tmp: (
        lambda: do_create_training(
            None,
            t.village_1,
            date=date(2026, 4, 1),
            title="培训",
            audiences=["presidents"],
            hours="4",
        )
    ),
    "group created": lambda t, p, tmp: (
        lambda: do_create_unit(None, parent=t.village_1, name="新小组", level=Level.GROUP)
    ),
    "unit retired": lambda t, p, tmp: lambda: do_retire_unit(None, t.group_2, "合并"),
    "title awarded": _award,
    "title revoked": _revoke,
    "member import": _import,
    "log-in event": lambda t, p, tmp: lambda: record_event(actor=None, action=AccountAction.LOGIN),
}
PAIRS = [(first, second) for first in WRITERS for second in WRITERS if first != second]


class PauseAfterFirstLock:
    """Wraps the two shared lock points; the first thread to pass one of them waits there, with
    the lock held, until released."""

    def __init__(self, monkeypatch):
        self.holder: threading.Thread | None = None
        self.locked, self.go = threading.Event(), threading.Event()
        for module, name in ((audit_services, "_locked_head"), (rollup_maintenance, "_lock")):
            monkeypatch.setattr(module, name, self._wrap(getattr(module, name)))

    def _wrap(self, function):
        def wrapper(*args, **kwargs):
            result = function(*args, **kwargs)
            if threading.current_thread() is self.holder and not self.locked.is_set():
                self.locked.set()
                self.go.wait(60)
            return result

        return wrapper


def _run(name, write, outcome, started=None):
    try:
        if started is not None:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                started["pid"] = cursor.fetchone()[0]
            started["ready"].set()
        write()
        outcome[name] = "ok"
    except Exception as error:  # noqa: BLE001 - the outcome is what the test reads
        outcome[name] = f"{type(error).__name__}: {error}"
    finally:
        connection.close()


def _waiting_on_a_lock(pid) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", [pid])
        row = cursor.fetchone()
    return bool(row) and row[0] == "Lock"


def run_interleaved(first, second, writes, monkeypatch) -> dict:
    gate = PauseAfterFirstLock(monkeypatch)
    outcome: dict = {}
    one = threading.Thread(target=_run, args=(first, writes[first], outcome))
    gate.holder = one
    one.start()
    while one.is_alive() and not gate.locked.wait(0.05):
        pass
    started = {"ready": threading.Event()}
    two = threading.Thread(target=_run, args=(second, writes[second], outcome, started))
    two.start()
    started["ready"].wait(60)
    # Let the second run until it waits on a lock held by the first, or is done; polled, so a
    # slow machine only waits longer.
    deadline = time.monotonic() + LOCK_WAIT_SECONDS
    while two.is_alive() and time.monotonic() < deadline:
        if _waiting_on_a_lock(started["pid"]):
            break
        time.sleep(0.02)
    gate.go.set()
    one.join(120)
    two.join(120)
    return outcome


@pytest.fixture
def prepare(tree, chain_personas, round_2026, tmp_path):
    chain_personas.round = round_2026

    def _prepare(*names):
        return {name: WRITERS[name](tree, chain_personas, tmp_path) for name in names}

    return _prepare


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("first", "second"), PAIRS, ids=[f"{a} | {b}" for a, b in PAIRS])
def test_it_lets_any_two_writers_interleave_without_a_deadlock(first, second, prepare, monkeypatch):
    writes = prepare(first, second)

    outcome = run_interleaved(first, second, writes, monkeypatch)

    assert outcome == {first: "ok", second: "ok"}
    assert verify_chain().ok
    assert rollups.verify() == []


@pytest.mark.django_db(transaction=True)
def test_it_deadlocks_with_the_old_order_which_shows_the_harness_catches_one(prepare, monkeypatch):
    writes = prepare("member created", "group created")
    monkeypatch.setattr(rollup_maintenance, "lock_head", lambda: None)

    outcome = run_interleaved("member created", "group created", writes, monkeypatch)

    assert any("deadlock detected" in result for result in outcome.values())
