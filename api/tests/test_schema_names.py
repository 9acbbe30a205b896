"""The OpenAPI document names each schema once: two schema classes of the same name would share one
component, and one of the endpoints would be documented with the other's fields."""

import importlib
import inspect
import pkgutil

from ninja import Schema

import api
from api.urls import api as sanlian_api


def _schema_classes() -> dict[str, set[type]]:
    by_name: dict[str, set[type]] = {}
    for info in pkgutil.iter_modules(api.__path__):
        module = importlib.import_module(f"api.{info.name}")
        for _name, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, Schema) and cls is not Schema and cls.__module__.startswith("api."):
                by_name.setdefault(cls.__name__, set()).add(cls)
    return by_name


def test_no_two_schema_classes_of_the_api_share_a_name():
    shared = {
        name: sorted(f"{c.__module__}.{c.__qualname__}" for c in classes)
        for name, classes in _schema_classes().items()
        if len(classes) > 1
    }
    assert shared == {}


def test_the_figures_targets_are_documented_with_their_outlook_fields():
    schema = sanlian_api.get_openapi_schema()
    components = schema["components"]["schemas"]
    responses = schema["paths"]["/api/v1/figures/units/{unit_id}/targets"]["get"]["responses"]
    ok = responses.get(200) or responses["200"]
    ref = ok["content"]["application/json"]["schema"]["$ref"]
    targets = components[ref.rsplit("/", 1)[-1]]
    assert "unit_id" in targets["properties"]
    attainment = targets["properties"]["attainments"]["items"]["$ref"].rsplit("/", 1)[-1]
    assert {"outlook", "projected_share", "needed_per_year"} <= set(
        components[attainment]["properties"]
    )
