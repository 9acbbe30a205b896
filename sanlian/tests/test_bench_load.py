"""`sanlian bench load` on a tiny run: it starts gunicorn and a task worker on the test database,
drives its mixed workload and prints its figures in their form (the figures are not asserted)."""

import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import translation

from assessments.services import do_create_round
from sanlian.tests import crash
from standards.models import Standard, TitleKind

ROW = r"^{name}\s+(\d+)\s+\d+\.\d\s+\d+\s+\d+\s+(\d+)$"


@pytest.mark.django_db(transaction=True)
def test_it_runs_a_short_mixed_load_and_prints_its_figures(
    live_seeded, tree, tmp_path, monkeypatch, settings
):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    shipped = Standard.objects.filter(title=TitleKind.QUALIFIED_VILLAGE).order_by("version").first()
    do_create_round(
        None, tree.county_a, year=2026, name="压测轮次", standards={shipped.title: shipped}
    )  # the village's application takes the bench's score saves
    url = crash.database_url(tmp_path)
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("SANLIAN_VAR_DIR", str(tmp_path))
    monkeypatch.setenv("SANLIAN_SECRET_KEY", settings.SECRET_KEY)
    monkeypatch.setenv("SANLIAN_PII_KEY", settings.PII_KEY)
    out = StringIO()
    options = {
        "seconds": 4,
        "clients": 2,
        "processes": 1,
        "workers": 1,
        "trivial_seconds": 1,
        "page_seconds": 1,
        "import_rows": 20,
        "org_rows": 3,
    }
    memory_name = connection.settings_dict["NAME"]
    if connection.vendor == "sqlite":
        # The servers open a file copy of the in-memory test database: this process works on
        # that file too, so that the bench's accounts are theirs and the checks read their rows.
        connection.close()
        connection.settings_dict["NAME"] = url.removeprefix("sqlite:///")
    try:
        with translation.override("en"):
            call_command("bench", "load", stdout=out, stderr=out, **options)
    finally:
        if connection.vendor == "sqlite":
            connection.close()
            connection.settings_dict["NAME"] = memory_name
    text = out.getvalue()

    assert re.search(
        r"^server: gunicorn with 1 worker process\(es\), 1 task worker\(s\)", text, re.M
    )
    assert re.search(
        r"^trivial view \(anonymous login page\): \d+\.\d req/s, p50 \d+ ms, p99 \d+ ms, "
        r"errors \d+$",
        text,
        re.M,
    ), text
    assert re.search(
        r"^home \(county\)\s+\d+\.\d\s+\d+\.\d\d\s+\d+\s+\d+\s+\d+\.\d\s+0$", text, re.M
    )
    assert re.search(r"^assessment sheet \(village\)\s+\d+\.\d\s+", text, re.M), text
    assert "score saves: none" not in text
    assert re.search(r"^page or action\s+count\s+req/s\s+p50 ms\s+p99 ms\s+errors$", text, re.M)
    logins = re.search(ROW.format(name=r"log-in \(\w+\)"), text, re.M)
    assert logins and int(logins[1]) >= 1, text
    assert re.search(
        r"^busy answers: deadlocks \d+, lock timeouts \d+, other \d+; "
        r"requests retried after a deadlock: \d+$",
        text,
        re.M,
    )
    assert re.search(
        r"^import members: 20 rows in \d+\.\d s \((exit \d+|not finished)\)$", text, re.M
    )
    assert re.search(r"^log-in while an import ran: ", text, re.M)
    assert re.search(r"^rollups verify: ", text, re.M), text
    assert re.search(r"^audit verify: ", text, re.M), text
