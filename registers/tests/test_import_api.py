"""Spreadsheet imports over the API (issue 16): upload → the dry run in the background → poll →
confirm → poll; the job, its checks and its audit events are the pages' own."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from audit.models import AuditEvent
from jobs.tests.helpers import run_queued_tasks
from registers.models import Member
from registers.tests.import_files import member_row, members_csv

API = "/api/v1/imports"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _upload(client, content: bytes, kind="members", name="会员.csv"):
    return client.post(f"{API}/", {"kind": kind, "file": SimpleUploadedFile(name, content)})


def test_it_previews_then_imports_when_confirmed(as_user, village_operator, tree):
    client = as_user(village_operator)
    started = _upload(client, members_csv([member_row(1), member_row(2)]))
    assert started.status_code == 202, started.content
    job = started.json()
    assert (job["stage"], job["status"]) == ("preview", "queued")
    run_queued_tasks()
    previewed = client.get(f"{API}/{job['id']}").json()
    assert (previewed["stage"], previewed["status"]) == ("preview", "done")
    assert previewed["report"]["rows"] == 2 and Member.objects.count() == 0
    confirm = client.post(f"{API}/{job['id']}/confirm", "{}", content_type="application/json")
    assert confirm.status_code == 202 and confirm.json()["stage"] == "import"
    run_queued_tasks()
    done = client.get(f"{API}/{job['id']}").json()
    assert (done["stage"], done["status"], done["report"]["created"]) == ("import", "done", 2)
    assert Member.objects.count() == 2
    again = client.post(f"{API}/{job['id']}/confirm", "{}", content_type="application/json")
    assert again.status_code == 409
    assert AuditEvent.objects.filter(action="imports.confirm").count() == 1


def test_it_refuses_a_file_that_is_not_a_spreadsheet_and_an_unknown_register(
    as_user, village_operator, tree
):
    client = as_user(village_operator)
    assert _upload(client, b"MZ\x90\x00 not a workbook", name="a.exe").status_code == 422
    bad_kind = _upload(client, members_csv([member_row(1)]), kind="nonsense")
    assert bad_kind.status_code == 422 and "kind" in bad_kind.json()["errors"]


def test_it_shows_a_job_only_to_its_uploader(as_user, village_operator, leader, outsider, tree):
    job = _upload(as_user(village_operator), members_csv([member_row(1)])).json()
    assert as_user(outsider).get(f"{API}/{job['id']}").status_code == 404
    assert as_user(leader).get(f"{API}/{job['id']}").status_code == 403
    body = json.dumps({"only_valid": "yes"})
    refused = as_user(village_operator).post(
        f"{API}/{job['id']}/confirm", body, content_type="application/json"
    )
    assert refused.status_code == 422 and "only_valid" in refused.json()["errors"]
