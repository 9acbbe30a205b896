"""Every audit action is typed: `record_event` refuses a bare string (audit/actions.py), and no code
outside the tests passes one, so a renamed action cannot silently detach what matches it."""

import ast
from pathlib import Path

import pytest

from audit.services import record_event
from audit.tests.actions import SampleAction

ROOT = Path(__file__).resolve().parents[2]
_SKIPPED_FOLDERS = {"tests", "migrations", "__pycache__", ".venv", "var", "node_modules"}
_RECORDERS = {"record_event", "record_change"}


def _written_as_text(value: ast.expr) -> bool:
    if isinstance(value, ast.IfExp):
        return _written_as_text(value.body) or _written_as_text(value.orelse)
    return isinstance(value, ast.JoinedStr) or (
        isinstance(value, ast.Constant) and isinstance(value.value, str)
    )


def _text_constants(tree: ast.Module) -> set[str]:
    """Module-level names bound to text (`X_ACTION = "…"`)."""
    return {
        target.id
        for node in tree.body
        if isinstance(node, ast.Assign) and _written_as_text(node.value)
        for target in node.targets
        if isinstance(target, ast.Name)
    }


def untyped_actions(root: Path) -> list[str]:
    """`file:line` of each record_event/record_change call whose action is written as text, or
    is a module-level name bound to text."""
    found = []
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(root)
        if _SKIPPED_FOLDERS & set(relative.parts):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        constants = _text_constants(tree)
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            called = node.func.attr if isinstance(node.func, ast.Attribute) else ""
            called = called or getattr(node.func, "id", "")
            action = next((k.value for k in node.keywords if k.arg == "action"), None)
            textual = action is not None and (
                _written_as_text(action)
                or (isinstance(action, ast.Name) and action.id in constants)
            )
            if called in _RECORDERS and textual:
                found.append(f"{relative}:{node.lineno}")
    return found


def test_it_writes_every_action_as_a_member_of_its_apps_enum():
    assert untyped_actions(ROOT) == [], (
        "Write the action as a member of the app's AuditAction enum (<app>/actions.py)"
    )


def test_it_finds_an_action_written_as_text(tmp_path):
    planted = tmp_path / "orgs" / "planted.py"
    planted.parent.mkdir()
    planted.write_text(
        'record_event(actor=None, action="orgs.unit.create")\n'
        'record_change(actor=None, action=f"orgs.{verb}", obj=None, unit_id=None, before={},'
        " after={})\n"
        'record_event(actor=None, action="a" if x else OrgAction.UNIT_MOVE)\n'
        "record_event(actor=None, action=OrgAction.UNIT_MOVE)\n"
        'PLANTED_ACTION = "orgs.planted"\n'
        "record_event(actor=None, action=PLANTED_ACTION)\n",
        encoding="utf-8",
    )
    assert untyped_actions(tmp_path) == [
        "orgs/planted.py:1",
        "orgs/planted.py:2",
        "orgs/planted.py:3",
        "orgs/planted.py:6",
    ]


def test_record_event_refuses_a_bare_string(db):
    with pytest.raises(TypeError, match="AuditAction"):
        record_event(actor=None, action="orgs.unit.create")


def test_record_event_takes_a_member_of_an_apps_enum(db):
    assert record_event(actor=None, action=SampleAction.WRITE).action == "test.write"
