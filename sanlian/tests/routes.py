"""Every page route and API operation, read from the URL resolver and the ninja router.

`test_access_routes.py` compares this list with its table, so that a new route cannot go without
its access check; the helpers here also build a request for a route with made-up arguments.
"""

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver

from api.urls import api

# Routes that are not ours: Django's admin (it has its own staff check) and the API's own mount,
# which is listed operation by operation from the ninja router instead.
_NOT_OURS = ("admin/", "api/v1/")
_ARGUMENT = re.compile(r"<(?:(\w+):)?(\w+)>|\{(\w+)\}")
MISSING_ID = 987654321  # no object of any kind has it in a test database
_SAMPLES = {"int": str(MISSING_ID), "uuid": str(uuid.UUID(int=MISSING_ID)), "slug": "x", "str": "x"}


@dataclass(frozen=True)
class Route:
    key: str  # "page orgs:unit" or "api POST /units/{unit_id}/move"
    path: str  # the pattern, e.g. "units/<int:pk>/" or "/api/v1/units/{unit_id}/move"
    methods: tuple[str, ...]  # the API operation's methods; () for a page (it decides itself)

    @property
    def is_api(self) -> bool:
        return self.key.startswith("api ")

    @property
    def takes_an_id(self) -> bool:
        return bool(_ARGUMENT.search(self.path))

    def sample_url(self) -> str:
        """The route with every argument made up: ids that match no object, "x" for words."""

        def sample(match: re.Match) -> str:
            converter, name = match.group(1) or "str", match.group(2) or match.group(3)
            if match.group(3):  # an API path parameter: an id unless it names a word
                converter = "int" if name.endswith("_id") or name in {"year", "number"} else "str"
            return _SAMPLES.get(converter, "x")

        path = _ARGUMENT.sub(sample, self.path)
        return path if self.is_api else "/" + path


def _pages(patterns, prefix: str = "", namespace: str = "") -> Iterator[Route]:
    for pattern in patterns:
        path = prefix + str(pattern.pattern)
        if path.startswith(_NOT_OURS):
            continue
        if isinstance(pattern, URLResolver):
            inner = ":".join(part for part in (namespace, pattern.namespace) if part)
            yield from _pages(pattern.url_patterns, path, inner)
        elif isinstance(pattern, URLPattern):
            name = ":".join(part for part in (namespace, pattern.name) if part)
            yield Route(f"page {name or path}", path, ())


def _api_operations() -> Iterator[Route]:
    for prefix, router in api._routers:
        for path, view in router.path_operations.items():
            for operation in view.operations:
                full = f"{prefix}{path}".replace("//", "/")
                for method in operation.methods:
                    key = f"api {method} {full.rstrip('/') or '/'}"
                    yield Route(key, f"/api/v1{full}", (method,))


def all_routes() -> list[Route]:
    return [*_pages(get_resolver().url_patterns), *_api_operations()]
