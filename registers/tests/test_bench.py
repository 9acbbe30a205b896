"""`sanlian bench import`: the output's format on a small run (the figures are not asserted)."""

import re
import shutil
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import translation

from orgs.models import OrgUnit
from registers.models import Member

pytestmark = pytest.mark.django_db

SECONDS_AND_MEMORY = r"(\d+\.\d\d) s, peak memory \+(\d+\.\d) MiB"


def test_it_times_reading_and_importing_and_cleans_up(tree):
    units_before = OrgUnit.objects.count()
    out = StringIO()
    with translation.override("en"):
        call_command("bench", "import", "--rows", "500", stdout=out, stderr=out)
    text = out.getvalue()
    assert re.search(r"^rows: 500 \(501 read with the header\)$", text, re.M), text
    assert re.search(rf"^read \(python-calamine, every row\): {SECONDS_AND_MEMORY}$", text, re.M)
    assert re.search(rf"^import \(run_import, members\): {SECONDS_AND_MEMORY}$", text, re.M)
    assert re.search(r"^ratio import/read: \d+\.\d\d \(target ≤ 2: (met|not met)\)$", text, re.M)
    assert re.search(r"^peak memory: .*\((VmHWM|ru_maxrss)\)$", text, re.M)
    assert re.search(r"^CPU time of this process: read \d+\.\d\d s, import \d+\.\d\d s", text, re.M)
    assert re.search(
        r"^import report: 500 valid, 500 created, .* 0 errors, imported: yes$", text, re.M
    )
    floor = re.search(
        r"^database alone \(the 500 imported members and their categories inserted again, "
        r"unchecked, as the importer sends them\): (\d+\.\d\d) s, \d+\.\d\d × the read; "
        r"the import takes \d+\.\d\d × that$",
        text,
        re.M,
    )
    assert floor, text
    budget = re.search(
        r"^CPU budget at the target: (\d+) cores × 2 × the read = (\d+\.\d\d) s; the read, "
        r"the database alone and encrypting and hashing the ID numbers and phones "
        r"\((\d+\.\d\d) s\) take (\d+\.\d\d) s of it, leaving (-?\d+\.\d\d) s "
        r"\((-?\d+\.\d) µs a row\) to check the rows$",
        text,
        re.M,
    )
    assert budget, text
    cores, total, protection, used, left = (float(budget.group(i)) for i in range(1, 6))
    assert cores >= 1 and protection >= 0 and used >= protection
    assert abs(total - used - left) < 0.02
    assert "Removed the generated province" in text
    assert Member.objects.count() == 0 and OrgUnit.objects.count() == units_before


def test_it_keeps_what_it_made_when_asked(tree):
    out = StringIO()
    with translation.override("en"):
        call_command("bench", "import", "--rows", "50", "--keep", stdout=out)
    text = out.getvalue()
    assert "Kept: the county" in text
    assert Member.objects.count() == 50
    kept = re.search(r"(/\S+/members\.xlsx)", text).group(1)
    assert Path(kept).is_file()
    shutil.rmtree(Path(kept).parent)
