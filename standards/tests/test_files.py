"""`sanlian standards export/import`: a standard as a YAML or JSON file, checked all or nothing."""

import json
from io import StringIO

import pytest
import yaml
from django.core.management import call_command

from audit.models import AuditEvent
from standards.defaults import shipped_standards
from standards.files import standard_to_document
from standards.models import Standard, TitleKind


def _run(*args):
    out, err = StringIO(), StringIO()
    code = 0
    try:
        call_command("standards", *args, stdout=out, stderr=err)
    except SystemExit as exit_:
        code = exit_.code
    return code, out.getvalue(), err.getvalue()


def _comparable(standard):
    document = standard_to_document(standard)
    document.pop("version")
    return document


def _document(title=TitleKind.QUALIFIED_VILLAGE):
    return standard_to_document(shipped_standards()[title])


def _write(tmp_path, document, name="standard.yaml"):
    path = tmp_path / name
    if name.endswith(".json"):
        path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    else:
        path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    return path


@pytest.mark.parametrize("name", ["q.yaml", "q.json"])
def test_it_imports_an_export_back_as_an_equal_new_version(db, tmp_path, name):
    original = shipped_standards()[TitleKind.QUALIFIED_VILLAGE]
    path = tmp_path / name
    code, _out, _err = _run("export", str(path), "--title", "qualified_village")
    assert code == 0
    code, out, _err = _run("import", str(path))
    assert code == 0, out
    imported = Standard.objects.get(title=TitleKind.QUALIFIED_VILLAGE, version=1)
    assert _comparable(imported) == _comparable(original)
    assert AuditEvent.objects.filter(action="standards.standard.import").count() == 1


def test_it_exports_a_chosen_version(db, tmp_path):
    path = tmp_path / "t.json"
    code, _out, _err = _run("export", str(path), "--title", "advanced_township", "--version", "0")
    assert code == 0
    document = json.loads(path.read_text(encoding="utf-8"))
    assert document["version"] == 0
    assert document["stages"][-1] == {
        "kind": "confirmation",
        "level": "city",
        "is_spot_check": False,
    }


def test_it_refuses_an_export_without_a_title(db, tmp_path):
    with pytest.raises(Exception, match="--title"):
        call_command("standards", "export", str(tmp_path / "x.yaml"), stdout=StringIO())


def test_it_names_the_place_of_each_error_and_imports_nothing(db, tmp_path):
    document = _document()
    document["sections"][2]["items"][0]["points"] = "five"
    document["sections"][0]["items"][1]["metric"] = "no_such_metric"
    document["stages"][1]["level"] = "galaxy"
    code, _out, err = _run("import", str(_write(tmp_path, document)))
    assert code == 1
    assert "sections[2].items[0].points" in err
    assert "sections[0].items[1].metric" in err
    assert "stages[1].level" in err
    assert not Standard.objects.filter(version=1).exists()


def test_it_refuses_items_that_do_not_add_up_to_their_section(db, tmp_path):
    document = _document()
    document["sections"][0]["items"][0]["points"] = 4
    code, _out, err = _run("import", str(_write(tmp_path, document)))
    assert code == 1
    assert "sections[0].points" in err


def test_it_refuses_unknown_fields_and_a_duplicate_item_number(db, tmp_path):
    document = _document()
    document["sections"][1]["items"][0]["weight"] = 3
    document["sections"][1]["items"][1]["number"] = "1"
    code, _out, err = _run("import", str(_write(tmp_path, document, "s.json")))
    assert code == 1
    assert "sections[1].items[0].weight" in err
    assert "sections[1].items[1].number" in err


def test_it_refuses_a_band_worth_more_than_its_item(db, tmp_path):
    document = _document()
    document["sections"][1]["items"][5]["metric_bands"] = [{"min": 50, "score": 9}]
    code, _out, err = _run("import", str(_write(tmp_path, document)))
    assert code == 1
    assert "sections[1].items[5].metric_bands[0].score" in err


def test_it_refuses_a_chain_that_starts_at_the_wrong_level(db, tmp_path):
    document = _document()
    document["stages"][0]["level"] = "township"
    code, _out, err = _run("import", str(_write(tmp_path, document)))
    assert code == 1
    assert "stages[0].level" in err


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("broken.yaml", "title: [unclosed"),
        ("broken.json", '{"title": '),
        ("binary.yaml", b"\xff\xfe\x00garbage"),
        ("standard.xlsx", "not a standard"),
    ],
)
def test_it_exits_2_on_an_unreadable_file(db, tmp_path, name, content):
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    code, _out, err = _run("import", str(path))
    assert code == 2
    assert "Traceback" not in err and err.strip()


def test_it_exits_2_on_a_file_too_large_to_be_a_standard(db, tmp_path):
    path = tmp_path / "big.yaml"
    path.write_text("# " + "x" * (3 * 1024 * 1024), encoding="utf-8")
    code, _out, err = _run("import", str(path))
    assert code == 2
    assert "MB" in err


def test_it_exits_2_on_a_missing_file(db, tmp_path):
    code, _out, _err = _run("import", str(tmp_path / "missing.yaml"))
    assert code == 2


def test_it_refuses_a_file_that_is_not_one_standard(db, tmp_path):
    path = tmp_path / "list.yaml"
    path.write_text("- 1\n- 2\n", encoding="utf-8")
    code, _out, err = _run("import", str(path))
    assert code == 1
    assert err.strip()


def test_it_imports_for_a_county_as_a_user(db, tmp_path, tree, county_officer):
    """--unit gives the new version to the county; --as records who imported it."""
    path = _write(tmp_path, _document(TitleKind.FIVE_GOOD_GROUP))
    code, _out, _err = _run("import", str(path), "--unit", "430121", "--as", "county_a")
    assert code == 0
    imported = Standard.objects.get(title=TitleKind.FIVE_GOOD_GROUP, version=1)
    assert imported.unit == tree.county_a and imported.created_by == county_officer
    event = AuditEvent.objects.get(action="standards.standard.import")
    assert event.actor == county_officer


def test_it_refuses_an_unknown_county_before_reading_the_file(db, tmp_path):
    with pytest.raises(Exception, match="999999"):
        call_command(
            "standards", "import", str(tmp_path / "x.yaml"), "--unit", "999999", stdout=StringIO()
        )
