"""A schema-driven fuzz of every operation the API publishes, with a fixed budget: for each
operation, a seeded sample of requests built from its own OpenAPI description (real and junk
path values, junk in each query parameter and body field, junk whole bodies). No answer may be a
5xx, every error must have the one JSON shape, and every answer must conform to the schema
declared for its status. The counts are printed (`pytest -s`) for the CI log: operations, cases,
5xx (issue 16). Under xdist a worker's print is lost, so CI also names a file in
SANLIAN_FUZZ_REPORT for the line and prints it after the run."""

import json
import os
import random
import re
from datetime import date
from urllib.parse import quote

import pytest
from django.test import Client

from registers.models import Carrier
from registers.services import do_create_activity, do_create_member

CASES_PER_OPERATION = 14  # the budget: about 1,000 requests, under a minute in CI
SEED = 16
JUNK = [
    None,
    True,
    0,
    -1,
    2**31,
    2**63,
    -(2**63) - 1,
    10**30,
    1.5,
    float("1e308"),
    "",
    "x",
    "\x00",
    "\ud800",
    "\x07",
    "四" * 1000,
    "１２",
    "2025-02-30",
    "../../etc/passwd",
    [],
    [None],
    [2**63],
    {},
    {"$ne": 1},
]
WHOLE_BODIES = ["", "{", "null", "[]", "[{}]", "1", '"x"', '{"a": {"b": [1, {"c": null}]}}']
UNDECLARED_OK = {405}  # a wrong method is answered by the router, outside any operation


def _resolve(schema: dict, components: dict) -> dict:
    while "$ref" in schema:
        schema = components[schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def conforms(value, schema: dict, components: dict, where: str = "$") -> list[str]:
    """What in `value` does not match the JSON schema (the subset OpenAPI from ninja uses)."""
    schema = _resolve(schema, components)
    for key in ("anyOf", "oneOf"):
        if key in schema:
            branches = [conforms(value, s, components, where) for s in schema[key]]
            return [] if any(not b for b in branches) else min(branches, key=len)
    if "allOf" in schema:
        return [e for s in schema["allOf"] for e in conforms(value, s, components, where)]
    if "enum" in schema and value not in schema["enum"]:
        return [f"{where}: {value!r} not in the enum"]
    kind = schema.get("type")
    checks = {
        "object": lambda v: isinstance(v, dict),
        "array": lambda v: isinstance(v, list),
        "string": lambda v: isinstance(v, str),
        "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
        "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
        "boolean": lambda v: isinstance(v, bool),
        "null": lambda v: v is None,
    }
    if kind in checks and not checks[kind](value):
        return [f"{where}: {type(value).__name__} is not {kind}"]
    errors = []
    if kind == "object":
        for name in schema.get("required", []):
            if name not in value:
                errors.append(f"{where}.{name}: missing")
        properties = schema.get("properties", {})
        extra = schema.get("additionalProperties")
        for name, item in value.items():
            if name in properties:
                errors += conforms(item, properties[name], components, f"{where}.{name}")
            elif isinstance(extra, dict):
                errors += conforms(item, extra, components, f"{where}.{name}")
    if kind == "array" and "items" in schema:
        for index, item in enumerate(value):
            errors += conforms(item, schema["items"], components, f"{where}[{index}]")
    return errors


def _cases(template: str, operation: dict, real: dict, rng: random.Random):
    """(path, query, body) candidates for one operation, sampled to the budget."""
    parameters = operation.get("parameters", [])
    names = re.findall(r"\{(\w+)\}", template)
    real_path = template
    for name in names:
        real_path = real_path.replace("{" + name + "}", str(real.get(name, 1)))
    cases = [(real_path, {}, None)]
    for name in names:
        for junk in (0, -1, 2**63, "x", "1.5", "%00", "四"):
            cases.append((real_path.replace(str(real.get(name, 1)), str(junk), 1), {}, None))
    for parameter in parameters:
        if parameter["in"] == "query":
            cases += [(real_path, {parameter["name"]: junk}, None) for junk in JUNK]
    content = operation.get("requestBody", {}).get("content", {})
    if "application/json" in content:
        body = content["application/json"]["schema"]
        fields = list(body.get("properties", {}))
        if "$ref" in body:
            fields = list(_components_of(body).get("properties", {}))
        cases += [(real_path, {}, {field: junk}) for field in fields for junk in JUNK]
        cases += [(real_path, {}, whole) for whole in WHOLE_BODIES]
    elif content:
        cases += [(real_path, {}, whole) for whole in WHOLE_BODIES[:4]]
    first, rest = cases[:1], cases[1:]
    return first + rng.sample(rest, min(len(rest), CASES_PER_OPERATION - 1))


_COMPONENTS: dict = {}


def _components_of(ref: dict) -> dict:
    return _resolve(ref, _COMPONENTS)


def _send(client, method: str, path: str, query: dict, body):
    if query:
        key, value = next(iter(query.items()))
        text = "" if value is None else json.dumps(value) if not isinstance(value, str) else value
        separator = "&" if "?" in path else "?"
        encoded = quote(text.encode("utf-8", "surrogatepass"), safe="")
        path = f"{path}{separator}{quote(key)}={encoded}"
    send = getattr(client, method)
    if body is None:
        return send(path)
    raw = body if isinstance(body, str) else json.dumps(body)
    return send(path, raw, content_type="application/json")


@pytest.mark.django_db
def test_it_answers_every_operation_without_a_5xx_and_as_its_schema_says(
    as_user, administrator, tree, capsys, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    member = do_create_member(None, tree.village_1, name="王建国", id_number="430121196003050017")
    activity = do_create_activity(
        None,
        tree.village_1,
        date=date(2025, 4, 1),
        carrier=Carrier.objects.get(name="生育关怀"),
        title="走访慰问",
    )
    schema = Client().get("/api/v1/openapi.json").json()
    _COMPONENTS.clear()
    _COMPONENTS.update(schema["components"]["schemas"])
    real = {
        "unit_id": tree.village_1.pk,
        "member_id": member.pk,
        "activity_id": activity.pk,
        "year": 2025,
        "item": "agenda",
        "slot": "roster",
    }
    client = as_user(administrator)
    client.raise_request_exception = False
    rng = random.Random(SEED)
    operations = cases = server_errors = checked = 0
    problems = []
    for template, methods in schema["paths"].items():
        for method, operation in methods.items():
            operations += 1
            for path, query, body in _cases(template, operation, real, rng):
                cases += 1
                response = _send(client, method, path, query, body)
                status = response.status_code
                if status >= 500:
                    server_errors += 1
                    problems.append((method, path, query, body, status))
                    continue
                declared = operation["responses"].get(str(status))
                is_json = response.get("Content-Type", "").startswith("application/json")
                if status >= 400:
                    if not is_json or "detail" not in response.json():
                        problems.append((method, path, query, body, status, "not the error shape"))
                    if declared is None and status not in UNDECLARED_OK:
                        problems.append((method, path, status, "status not declared"))
                if declared is None or not is_json or status == 204:
                    continue
                declared_schema = declared.get("content", {}).get("application/json", {})
                if "schema" in declared_schema:
                    checked += 1
                    found = conforms(response.json(), declared_schema["schema"], _COMPONENTS)
                    if found:
                        problems.append((method, path, status, found[:3]))
    summary = (
        f"API fuzz: {operations} operations, {cases} cases, {server_errors} 5xx, "
        f"{checked} answers checked against their schema, {len(problems)} problems"
    )
    with capsys.disabled():
        print("\n" + summary)
    if os.environ.get("SANLIAN_FUZZ_REPORT"):
        with open(os.environ["SANLIAN_FUZZ_REPORT"], "a", encoding="utf-8") as report:
            report.write(summary + "\n")
    assert operations >= 70 and cases >= 10 * operations
    assert server_errors == 0, problems[:10]
    assert problems == [], problems[:10]
