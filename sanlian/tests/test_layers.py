"""Dependencies point down the app order (docs/architecture.md), and a test says so.

Every upward dependency that exists today is written down in `EXCEPTIONS` with its reason and the
step that removes it; a new one fails `test_it_keeps_every_dependency_pointing_down`, and an
exception whose dependency is gone fails `test_it_lists_no_exception_that_is_no_longer_needed`.
"""

from pathlib import Path

from sanlian.tests.layering import LAYERS, Dependency, stale_exceptions, upward_dependencies

ROOT = Path(__file__).resolve().parents[2]


# (file, the app it reaches up to) → why it is allowed for now, and what removes it.
EXCEPTIONS = {
    ("orgs/views.py", "accounts"): (
        "the tree pages call the one access helper accounts.access; stays until "
        "the pages move above accounts or the rule 'web modules may import "
        "accounts.access' is adopted (issue 15, step 3)"
    ),
    ("standards/metrics.py", "assessments"): (
        "the title metrics read AwardedTitle through apps.get_model; removed when"
        " they move to assessments/metrics.py, registered through "
        "standards.metrics.register (issue 12's home for title standing)"
    ),
}


def _explain(found: list[Dependency]) -> str:
    lines = "\n".join(f"  {dependency}" for dependency in found)
    return (
        f"Upward dependencies (the order is {' → '.join(LAYERS)}):\n{lines}\n"
        "Move the code down, or invert the dependency (a signal or a registry filled by the "
        "higher app); only if neither can be done now, add ('file', 'app') with its reason and the "
        "step that removes it to EXCEPTIONS in sanlian/tests/test_layers.py."
    )


def _plant(root: Path, relative: str, text: str) -> None:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def test_it_keeps_every_dependency_pointing_down():
    found = upward_dependencies(ROOT, EXCEPTIONS)
    assert found == [], _explain(found)


def test_it_lists_no_exception_that_is_no_longer_needed():
    assert stale_exceptions(ROOT, EXCEPTIONS) == [], "remove these from EXCEPTIONS"


def test_it_states_the_order_that_docs_architecture_draws():
    assert " → ".join(LAYERS) in (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")


def test_it_finds_an_upward_import_even_inside_a_function(tmp_path):
    _plant(tmp_path, "orgs/planted.py", "def f():\n    from assessments import services\n")
    [found] = upward_dependencies(tmp_path, {})
    assert (found.path, found.line, found.target) == ("orgs/planted.py", 2, "assessments")


def test_it_finds_a_model_read_by_name_and_a_reversed_url(tmp_path):
    _plant(
        tmp_path,
        "registers/planted.py",
        'apps.get_model("campaigns", "Campaign")\nreverse("reports:hub")\n',
    )
    found = upward_dependencies(tmp_path, {})
    assert [(d.line, d.target) for d in found] == [(1, "campaigns"), (2, "reports")]


def test_it_finds_upward_includes_urls_and_tag_libraries_in_templates(tmp_path):
    _plant(
        tmp_path,
        "orgs/templates/orgs/planted.html",
        '{% load i18n assessment_tags %}{% include "dashboards/_chart.html" %}\n'
        "{% url 'campaigns:home' %}\n",
    )
    found = upward_dependencies(tmp_path, {})
    assert {(d.line, d.target) for d in found} == {
        (1, "assessments"),
        (1, "dashboards"),
        (2, "campaigns"),
    }


def test_it_lets_an_app_depend_on_the_apps_below_it(tmp_path):
    _plant(tmp_path, "campaigns/planted.py", "from orgs.models import OrgUnit\nimport audit\n")
    _plant(tmp_path, "campaigns/templates/campaigns/p.html", '{% include "orgs/_x.html" %}')
    assert upward_dependencies(tmp_path, {}) == []


def test_it_leaves_out_tests_and_migrations(tmp_path):
    _plant(tmp_path, "orgs/tests/test_planted.py", "import assessments\n")
    _plant(tmp_path, "orgs/migrations/0099_planted.py", "import assessments\n")
    assert upward_dependencies(tmp_path, {}) == []


def test_it_honours_a_listed_exception_and_reports_it_once_unneeded(tmp_path):
    _plant(tmp_path, "orgs/planted.py", "import assessments\n")
    exceptions = {("orgs/planted.py", "assessments"): "why", ("orgs/gone.py", "api"): "why"}
    assert upward_dependencies(tmp_path, exceptions) == []
    assert stale_exceptions(tmp_path, exceptions) == [("orgs/gone.py", "api")]
