"""The layer rule, checked: an app depends only on the apps below it in `LAYERS`.

A dependency is an `import` (at module level or inside a function), an `apps.get_model("app", …)`,
a `reverse("app:…")`, a template `{% include/extends "app/…" %}`, a template `{% url "app:…" %}` or
a `{% load library %}` of another app's template tags. Tests and migrations are left out: tests may
build state through any app, and migrations name the models they depend on.

`test_layers.py` runs `upward_dependencies` over the tree; it takes the root as an argument so that
a test can plant a violation in a temporary tree.
"""

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

# The order of docs/architecture.md and the README, lowest first; the project package is the top.
LAYERS = (
    "core",
    "audit",
    "orgs",
    "accounts",
    "spreadsheets",
    "jobs",
    "registers",
    "standards",
    "assessments",
    "campaigns",
    "dashboards",
    "reports",
    "api",
    "sanlian",
)

# Template tag libraries and the app that ships each (a `{% load %}` names the library only).
TAG_LIBRARIES = {
    "orgs_tags": "orgs",
    "people": "accounts",
    "assessment_tags": "assessments",
    "campaign_nav": "campaigns",
    "panels": "core",
}

_SKIPPED_FOLDERS = {"tests", "migrations", "__pycache__"}
_GET_MODEL = re.compile(r"""get_model\(\s*["'](\w+)["']""")
_REVERSE = re.compile(r"""\b(?:reverse|reverse_lazy|redirect)\(\s*["'](\w+):""")
_TEMPLATE_NAME = re.compile(r"""\{%\s*(?:include|extends)\s+["'](\w+)/""")
_TEMPLATE_URL = re.compile(r"""\{%\s*url\s+["'](\w+):""")
_TEMPLATE_LOAD = re.compile(r"""\{%\s*load\s+([\w\s]+?)\s*%\}""")


@dataclass(frozen=True)
class Dependency:
    path: str  # relative to the root, e.g. "orgs/views.py"
    line: int
    source: str  # the app that depends
    target: str  # the app it depends on
    how: str  # the statement, e.g. "import accounts.access"

    def __str__(self) -> str:
        return f"{self.path}:{self.line} {self.source} → {self.target} ({self.how})"


def _app_files(root: Path, pattern: str) -> Iterator[tuple[str, Path]]:
    for app in LAYERS:
        for path in sorted((root / app).rglob(pattern)):
            if not _SKIPPED_FOLDERS & set(path.relative_to(root).parts):
                yield app, path


def _python_targets(source_text: str) -> Iterator[tuple[int, str, str]]:
    """(line, target app, how) for every import and by-name reference in one module."""
    for node in ast.walk(ast.parse(source_text)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name.split(".")[0], f"import {alias.name}"
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.lineno, node.module.split(".")[0], f"from {node.module} import"
    for number, line in enumerate(source_text.splitlines(), start=1):
        for match in _GET_MODEL.finditer(line):
            yield number, match.group(1), match.group(0)
        for match in _REVERSE.finditer(line):
            yield number, match.group(1), match.group(0)


def _template_targets(text: str) -> Iterator[tuple[int, str, str]]:
    for number, line in enumerate(text.splitlines(), start=1):
        for pattern in (_TEMPLATE_NAME, _TEMPLATE_URL):
            for match in pattern.finditer(line):
                yield number, match.group(1), match.group(0)
        for match in _TEMPLATE_LOAD.finditer(line):
            for library in match.group(1).split():
                if library in TAG_LIBRARIES:
                    yield number, TAG_LIBRARIES[library], f"{{% load {library} %}}"


def dependencies(root: Path) -> Iterator[Dependency]:
    """Every dependency of one app on another of `LAYERS`, in either direction."""
    sources = [
        *((app, path, _python_targets) for app, path in _app_files(root, "*.py")),
        *((app, path, _template_targets) for app, path in _app_files(root, "*.html")),
    ]
    for app, path, targets in sources:
        for line, target, how in targets(path.read_text(encoding="utf-8")):
            if target in LAYERS and target != app:
                relative = path.relative_to(root).as_posix()
                yield Dependency(relative, line, app, target, how)


def is_upward(dependency: Dependency) -> bool:
    return LAYERS.index(dependency.target) > LAYERS.index(dependency.source)


def upward_dependencies(root: Path, exceptions: dict[tuple[str, str], str]) -> list[Dependency]:
    """The upward dependencies that no exception (path, target app) → reason allows."""
    return [
        dependency
        for dependency in dependencies(root)
        if is_upward(dependency) and (dependency.path, dependency.target) not in exceptions
    ]


def stale_exceptions(root: Path, exceptions: dict[tuple[str, str], str]) -> list[tuple[str, str]]:
    """Exceptions that no longer match an upward dependency (remove them from the list)."""
    used = {(d.path, d.target) for d in dependencies(root) if is_upward(d)}
    return sorted(set(exceptions) - used)
