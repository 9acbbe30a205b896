"""Scanning the whole database finds no plain ID number or phone (security.md, PIPL): after members
are registered, edited, unmasked, taken off the register, and imported through a previewed job
whose file had a bad row. SQLite: the raw pages of the database (free pages included), as
`sanlian backup` copies them; PostgreSQL: a plain-text dump of every table."""

import subprocess
from datetime import date

import pytest
from django.db import connection

from jobs import services as jobs
from jobs.tests.helpers import run_queued_tasks, upload
from orgs.models import OrgUnit
from registers import tasks
from registers.services import (
    do_change_member_status,
    do_update_member,
    reveal_personal_info,
)
from registers.tests.conftest import ID_LI, ID_SPARE, ID_WANG, ID_ZHAO, PHONE_LI, PHONE_WANG
from registers.tests.import_files import id_number, member_row, members_csv
from registers.tests.pii_scan import leaked
from sanlian.backup import _postgres_env, backup

NEW_PHONE = "13700001111"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _raw_database(tmp_path) -> bytes:
    if connection.vendor == "sqlite":
        return backup(tmp_path / "raw.sqlite3").read_bytes()
    args, env = _postgres_env()
    dump = tmp_path / "dump.sql"
    subprocess.run(["pg_dump", "--format=plain", "--file", str(dump), *args], env=env, check=True)
    return dump.read_bytes()


@pytest.mark.django_db(transaction=True)
def test_the_raw_database_holds_no_plain_id_number_or_phone(
    live_seeded, tree, members, village_operator, county_officer, tmp_path
):
    do_update_member(
        county_officer,
        members.wang,
        phone=NEW_PHONE,
        id_number=ID_SPARE,
        birth_date=date(1955, 2, 2),
    )
    reveal_personal_info(county_officer, members.li)
    do_change_member_status(
        county_officer, members.zhao, "deceased", date(2024, 1, 1), reason="病故"
    )
    # An import whose file repeats a registered ID number (a row error that names it) and adds two.
    bad = member_row(3, 身份证号码=ID_LI)
    content = members_csv([member_row(1), member_row(2), bad])
    job = jobs.do_create_import_job(
        village_operator, kind="members", upload=upload("m.csv", content), filename="m.csv"
    )
    tasks.start_preview(job)
    run_queued_tasks()
    job.refresh_from_db()
    assert job.preview["error_count"] >= 1
    assert tasks.start_import(village_operator, job, only_valid=True)
    run_queued_tasks()
    job.refresh_from_db()
    assert job.report["created"] == 2

    raw = _raw_database(tmp_path)

    plain = [ID_WANG, ID_SPARE, ID_LI, ID_ZHAO, PHONE_WANG, PHONE_LI, NEW_PHONE]
    plain += [id_number(1), id_number(2), id_number(3), "13800000001", "13800000002"]
    assert leaked(raw, plain) == []
    assert b"430***************" in raw  # the scan does read the member rows

    # The same scan finds a plain value that does reach the database, typed with separators.
    OrgUnit.objects.filter(pk=members.li.unit_id).update(name="李家村 138-0000-0001")
    assert leaked(_raw_database(tmp_path), plain) == ["13800000001"]
