"""The web import: upload → preview (a background dry run the page polls) → confirm → import;
templates to download; files checked by content; only importers, and each only their own jobs."""

import datetime
import io
import re
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from audit.models import AuditEvent
from jobs.models import ImportJob, Stage, Status
from jobs.tests.helpers import run_queued_tasks, upload
from registers import forms_imports
from registers.forms_imports import sniff_spreadsheet
from registers.models import Member
from registers.tests.import_files import HEADER, VILLAGE_B, member_row, members_csv

pytestmark = pytest.mark.django_db

IMPORT = reverse("registers:import")


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return Path(settings.MEDIA_ROOT)


@pytest.fixture
def operator(login, village_operator):
    client = login(village_operator)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def _upload(client, content: bytes, name="members.csv", kind="members"):
    return client.post(IMPORT, {"kind": kind, "file": upload(name, content)})


def _job_from(response) -> ImportJob:
    assert response.status_code == 302, response.content[:2000]
    job_id = re.search(r"/import/([0-9a-f-]{36})/", response["Location"]).group(1)
    return ImportJob.objects.get(pk=job_id)


def _progress(client, job):
    return client.get(reverse("registers:import_progress", args=[job.pk]))


def test_it_sends_anonymous_visitors_to_the_login_page(client):
    response = client.get(IMPORT)
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_it_refuses_users_who_keep_no_registers(login, leader):
    client = login(leader)
    assert client.get(IMPORT).status_code == 403
    url = reverse("registers:import_template", args=["members"])
    assert client.get(url).status_code == 403
    assert AuditEvent.objects.filter(action="access.denied", object_type="jobs.importjob").exists()


def test_it_offers_the_registers_and_their_templates(operator):
    response = operator.get(IMPORT)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="kind"' in html and 'type="file"' in html
    for kind in ("members", "orgs", "posts", "trainings", "activities"):
        assert reverse("registers:import_template", args=[kind]) in html


def test_it_gives_a_template_with_the_chinese_headers(operator):
    from python_calamine import CalamineWorkbook

    response = operator.get(reverse("registers:import_template", args=["members"]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    rows = CalamineWorkbook.from_filelike(io.BytesIO(response.content))
    cells = [c for row in rows.get_sheet_by_index(0).to_python() for c in row]
    assert "身份证号码" in cells and "所属村(居)代码" in cells


@pytest.mark.parametrize("kind", ["orgs", "members", "posts", "trainings", "activities"])
def test_it_gives_a_template_for_every_register(operator, kind):
    response = operator.get(reverse("registers:import_template", args=[kind]))
    assert response.status_code == 200 and response.content.startswith(b"PK\x03\x04")


def test_it_has_no_template_for_an_unknown_register(operator):
    url = reverse("registers:import_template", args=["nonsense"])
    assert operator.get(url).status_code == 404


def test_it_previews_in_the_background_and_the_page_polls_until_done(operator, tree, media):
    job = _job_from(_upload(operator, members_csv([member_row(1), member_row(2)])))
    assert (job.stage, job.status) == (Stage.PREVIEW, Status.QUEUED)
    assert (media / "imports" / str(job.pk)).is_file()

    page = operator.get(reverse("registers:import_job", args=[job.pk])).content.decode()
    assert 'hx-trigger="every 1s"' in page
    assert reverse("registers:import_progress", args=[job.pk]) in page
    assert Member.objects.count() == 0

    run_queued_tasks()
    fragment = _progress(operator, job).content.decode()
    assert "hx-trigger" not in fragment  # polling stops
    assert 'id="import-confirm"' in fragment and "Import 2 rows" in fragment
    assert Member.objects.count() == 0  # a preview writes nothing


def test_it_imports_after_confirmation(operator, tree):
    job = _job_from(_upload(operator, members_csv([member_row(1), member_row(2)])))
    run_queued_tasks()
    response = operator.post(reverse("registers:import_confirm", args=[job.pk]))
    assert response.status_code == 302
    job.refresh_from_db()
    assert (job.stage, job.status) == (Stage.IMPORT, Status.QUEUED)
    run_queued_tasks()
    page = operator.get(reverse("registers:import_job", args=[job.pk])).content.decode()
    assert "Imported." in page
    assert Member.objects.filter(unit=tree.village_1).count() == 2


def test_it_shows_every_row_error_and_imports_nothing(operator, tree):
    rows = [
        member_row(1),
        member_row(2, 身份证号码="430121198503050010"),
        member_row(3, 入会日期="2999-01-01"),
    ]
    job = _job_from(_upload(operator, members_csv(rows)))
    run_queued_tasks()
    fragment = _progress(operator, job).content.decode()
    table = fragment[fragment.index('id="import-errors"') :]
    assert '<td class="num">3</td>' in table and '<td class="num">4</td>' in table
    assert "身份证号码" in table
    assert 'id="import-only-valid"' in fragment and 'id="import-again"' in fragment
    assert 'id="import-confirm"' not in fragment
    assert Member.objects.count() == 0


def test_it_imports_only_the_valid_rows_when_asked(operator, tree):
    rows = [member_row(1), member_row(2, 身份证号码="430121198503050010")]
    job = _job_from(_upload(operator, members_csv(rows)))
    run_queued_tasks()
    operator.post(reverse("registers:import_confirm", args=[job.pk]), {"only_valid": "1"})
    run_queued_tasks()
    job.refresh_from_db()
    assert job.report["imported"] and job.report["created"] == 1
    assert list(Member.objects.values_list("name", flat=True)) == ["会员1"]


def test_it_reports_rows_outside_the_users_subtree(operator, tree):
    job = _job_from(
        _upload(operator, members_csv([member_row(5, **{"所属村(居)代码": VILLAGE_B})]))
    )
    run_queued_tasks()
    job.refresh_from_db()
    assert job.preview["error_count"] == 1 and job.preview["valid"] == 0
    fragment = _progress(operator, job).content.decode()
    assert 'id="import-again"' in fragment and 'id="import-only-valid"' not in fragment


def test_it_reports_extra_columns(operator, tree):
    header = [*HEADER, "备注"]
    job = _job_from(_upload(operator, members_csv([[*member_row(1), "x"]], header=header)))
    run_queued_tasks()
    fragment = _progress(operator, job).content.decode()
    assert 'id="import-extra-columns"' in fragment and "备注" in fragment


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("photo.xlsx", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "neither an Excel workbook"),
        ("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64, "old Excel file"),
        ("empty.csv", b"", "empty"),
    ],
)
def test_it_refuses_files_that_are_not_spreadsheets_by_their_content(
    operator, media, name, content, message
):
    response = _upload(operator, content, name=name)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert ImportJob.objects.count() == 0
    assert not (media / "imports").exists() or not any((media / "imports").iterdir())


def test_it_refuses_files_over_the_size_cap(operator, monkeypatch):
    monkeypatch.setattr(forms_imports, "IMPORT_MAX_MB", 0)
    response = _upload(operator, members_csv([member_row(1)]))
    assert response.status_code == 200 and "larger than" in response.content.decode()
    assert ImportJob.objects.count() == 0


def test_it_names_the_file_for_the_importer_by_its_content(operator, tree):
    job = _job_from(_upload(operator, members_csv([member_row(1)]), name="名单.xlsx"))
    assert job.filename == "名单.csv"
    run_queued_tasks()
    job.refresh_from_db()
    assert job.status == Status.DONE and job.preview["valid"] == 1


def test_it_shows_a_job_only_to_its_uploader(operator, tree, login, township_officer):
    job = _job_from(_upload(operator, members_csv([member_row(1)])))
    other = login(township_officer)
    for name in ("registers:import_job", "registers:import_progress"):
        assert other.get(reverse(name, args=[job.pk])).status_code == 404
    assert other.post(reverse("registers:import_confirm", args=[job.pk])).status_code == 404
    job.refresh_from_db()
    assert job.stage == Stage.PREVIEW


def test_it_says_when_a_task_ended_without_finishing_its_job(operator, tree):
    job = _job_from(_upload(operator, members_csv([member_row(1)])))
    DBTaskResult.objects.filter(id=job.task_id).update(status="FAILED")
    ImportJob.objects.filter(pk=job.pk).update(status=Status.RUNNING)
    fragment = _progress(operator, job).content.decode()
    assert "hx-trigger" not in fragment and 'role="alert"' in fragment
    job.refresh_from_db()
    assert job.status == Status.FAILED


def test_it_hints_at_a_missing_worker_when_nothing_starts(operator, tree):
    job = _job_from(_upload(operator, members_csv([member_row(1)])))
    assert "worker" not in _progress(operator, job).content.decode()
    long_ago = timezone.now() - datetime.timedelta(minutes=5)
    ImportJob.objects.filter(pk=job.pk).update(updated_at=long_ago)
    assert "background worker" in _progress(operator, job).content.decode()


def test_it_shows_progress_while_running(operator, tree):
    job = _job_from(_upload(operator, members_csv([member_row(1)])))
    ImportJob.objects.filter(pk=job.pk).update(
        status=Status.RUNNING, progress_done=2000, progress_total=8000
    )
    fragment = _progress(operator, job).content.decode()
    assert 'max="8000" value="2000"' in fragment and "25%" in fragment


@pytest.mark.parametrize(
    ("head", "kind"),
    [
        (b"PK\x03\x04rest", "xlsx"),
        ("姓名,身份证号码\r\n张三,1\r\n".encode(), "csv"),
        ("\ufeff姓名,身份证号码\r\n".encode(), "csv"),
        ("姓名,身份证号码\r\n张三,1\r\n".encode("gbk"), "csv"),
        ("姓名".encode()[:-1], "csv"),  # cut in the middle of a character
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", None),
        (b"%PDF-1.7\n\x00\x01", None),
        (b"", None),
    ],
)
def test_it_tells_spreadsheets_from_their_first_bytes(head, kind):
    assert sniff_spreadsheet(head) == kind
