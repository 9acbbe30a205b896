"""Object fetchers live in the access modules only, so that pages, reports and the API share them.

A fetcher is a function that takes the request and answers 404 or 403 with the denial recorded:
`get_<object>_for_user(request, …)`, `<object>_for_user(request, …)`, `missing(request, …)` and
`forbidden(request, …)`. Defined anywhere but an app's `access.py`, it is a copy in the making.
"""

import ast
import re
from pathlib import Path

from sanlian.tests.layering import LAYERS

ROOT = Path(__file__).resolve().parents[2]
FETCHER = re.compile(r"^_?(\w+_for_user|missing|forbidden)$")

# (file, function) → why it stays outside an access module for now.
EXCEPTIONS = {
    ("registers/views/imports.py", "_job_for_user"): "ImportJob moves into registers (step 3)",
    ("reports/views_campaign.py", "_job_for_user"): "ReportJob moves into reports (step 3)",
}


def fetchers_outside_access_modules(root: Path) -> set[tuple[str, str]]:
    found = set()
    for app in LAYERS:
        for path in (root / app).rglob("*.py"):
            relative = path.relative_to(root).as_posix()
            if path.name == "access.py" or "/tests/" in f"/{relative}":
                continue
            for node in ast.parse(path.read_text(encoding="utf-8")).body:  # module level
                if (
                    isinstance(node, ast.FunctionDef)
                    and FETCHER.match(node.name)
                    and node.args.args
                    and node.args.args[0].arg == "request"
                ):
                    found.add((relative, node.name))
    return found


def test_it_defines_object_fetchers_only_in_access_modules():
    found = fetchers_outside_access_modules(ROOT)
    assert found - set(EXCEPTIONS) == set(), (
        "Move these fetchers into their app's access.py (and call them from pages, reports "
        "and API alike)"
    )
    assert set(EXCEPTIONS) - found == set(), "remove these from EXCEPTIONS"


def test_it_finds_a_fetcher_planted_in_a_view_module(tmp_path):
    planted = tmp_path / "campaigns" / "views.py"
    planted.parent.mkdir()
    planted.write_text("def _pilot_for_user(request, pk):\n    pass\n", encoding="utf-8")
    (tmp_path / "campaigns" / "access.py").write_text(
        "def get_pilot_for_user(request, pk):\n    pass\n", encoding="utf-8"
    )
    assert fetchers_outside_access_modules(tmp_path) == {("campaigns/views.py", "_pilot_for_user")}
