"""The worked example of docs/api.md runs as written: bash, curl and jq against a live server,
taking a village through the qualified-village chain with one token per role (issue 16)."""

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from accounts.services import do_create_token
from assessments.models import AwardedTitle

DOC = Path(__file__).resolve().parents[2] / "docs" / "api.md"

pytestmark = pytest.mark.skipif(
    not (shutil.which("curl") and shutil.which("jq")),
    reason="curl and jq are not installed; scripts/system-deps.sh installs them",
)


def _example() -> str:
    blocks = re.findall(r"```sh\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.S)
    assert len(blocks) == 1, "docs/api.md has one worked example"
    return blocks[0]


def test_the_worked_example_takes_a_village_through_the_chain(
    live_server, live_seeded, tree, county_officer, township_officer, village_operator
):
    env = {
        **os.environ,
        "BASE": live_server.url,
        "COUNTY": str(tree.county_a.pk),
        "VILLAGE": str(tree.village_1.pk),
    }
    for name, user in (
        ("COUNTY_TOKEN", county_officer),
        ("TOWNSHIP_TOKEN", township_officer),
        ("VILLAGE_TOKEN", village_operator),
    ):
        env[name] = do_create_token(None, user, "docs/api.md")[1]
    run = subprocess.run(
        ["bash", "-c", _example()], env=env, capture_output=True, text=True, timeout=300
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.split() == ["awarded", "awarded"], run.stdout
    assert AwardedTitle.objects.filter(unit=tree.village_1).exists()
