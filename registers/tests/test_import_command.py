"""`sanlian import`: human and JSON output, progress on stderr, exit codes."""

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import translation

from registers.models import Member
from registers.tests.test_import_members import HEADER, WANG, row
from spreadsheets.tests.files import write_csv


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    code = 0
    try:
        call_command("import", *[str(a) for a in args], stdout=out, stderr=err)
    except SystemExit as exit_:
        code = exit_.code
    return code, out.getvalue(), err.getvalue()


def test_it_prints_one_json_object_and_exits_0_when_imported(tree, tmp_path):
    path = write_csv(tmp_path / "m.csv", [HEADER, row()])
    code, out, err = run("members", path, "--json")
    assert code == 0
    result = json.loads(out)
    sheets = result.pop("sheets")
    assert result == {
        "rows": 1,
        "valid": 1,
        "created": 1,
        "updated": 0,
        "unchanged": 0,
        "errors": [],
        "extra_columns": [],
        "imported": True,
        "skipped_notes": [],
    }
    assert sheets[0]["header_rows"] == [1, 1]
    assert sheets[0]["columns"][0] == {
        "field": "name",
        "template": "姓名",
        "found": "姓名",
        "required": True,
    }
    assert "100%" in err  # the progress bar
    code, out, _err = run("members", path, "--json")
    assert json.loads(out)["unchanged"] == 1


def test_it_exits_1_with_the_refused_rows(tree, tmp_path):
    path = write_csv(tmp_path / "m.csv", [HEADER, row(), row(姓名="王五", 身份证号码="123")])
    code, out, _err = run("members", path, "--json")
    assert code == 1
    result = json.loads(out)
    assert result["errors"] == [
        {
            "row": 3,
            "column": "身份证号码",
            "message": "An ID number has 18 characters: 17 digits and a digit or X.",
        }
    ]
    assert not result["imported"] and Member.objects.count() == 0
    code, out, _err = run("members", path)
    assert code == 1
    assert "Row 3, 身份证号码:" in out and "--only-valid" in out


def test_it_imports_the_good_rows_with_only_valid_and_still_exits_1(tree, tmp_path):
    path = write_csv(tmp_path / "m.csv", [HEADER, row(), row(姓名="王五", 身份证号码="123")])
    code, out, _err = run("members", path, "--only-valid")
    assert code == 1 and "1 created" in out
    assert Member.objects.count() == 1


def test_it_exits_0_on_a_clean_dry_run_and_writes_nothing(tree, tmp_path):
    path = write_csv(tmp_path / "m.csv", [HEADER, row()])
    code, out, _err = run("members", path, "--dry-run")
    assert code == 0 and "--dry-run" in out
    assert Member.objects.count() == 0


def test_it_exits_2_for_an_unreadable_file(tree, tmp_path):
    path = tmp_path / "m.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a zip")
    code, out, err = run("members", path, "--json")
    assert code == 2
    assert json.loads(out)["error"].startswith("The workbook is damaged")
    code, out, err = run("members", path)
    assert code == 2 and "Traceback" not in err and "damaged" in err


def test_it_imports_as_a_user_within_their_units(tree, village_operator, tmp_path):
    other = row(姓名="王五", 身份证号码=WANG, 出生日期="", 性别="", 所属小组="")
    other[HEADER.index("所属村(居)代码")] = "430121200201"
    path = write_csv(tmp_path / "m.csv", [HEADER, row(), other])
    code, out, _err = run("members", path, "--json", "--as", "village_1")
    assert code == 1
    assert json.loads(out)["errors"][0]["column"] == "所属村(居)代码"


def test_it_exits_2_through_the_real_command_line(tmp_path):
    """Once through a real process: a file that is not a spreadsheet, no traceback."""
    path = tmp_path / "photo.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00" * 100)
    sanlian = Path(sys.executable).with_name("sanlian")
    env = {**os.environ, "LANGUAGE": "en"}
    result = subprocess.run(
        [str(sanlian), "import", "members", str(path), "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert result.returncode == 2, result.stderr
    assert "error" in json.loads(result.stdout)
    assert "Traceback" not in result.stderr
