"""`/healthz` and `/readyz`: alive, and ready to serve (database, migrations, static files, media,
fonts, key, queue) — each failing check named, with 503, for nginx and monitoring."""

from datetime import timedelta

import pytest
from cryptography.fernet import Fernet
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from registers import tasks
from sanlian import health


@pytest.fixture
def fonts_installed(monkeypatch):
    # The font check asks fontconfig; these tests are about the endpoint, not the host.
    monkeypatch.setattr("reports.pdf.missing_fonts", lambda: ())


def test_it_answers_healthz_without_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_it_is_ready_when_every_check_passes(client, fonts_installed, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    response = client.get("/readyz")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "ready"
    assert set(body["checks"]) == {
        "database",
        "migrations",
        "static",
        "media",
        "fonts",
        "key",
        "queue",
    }


@pytest.mark.django_db
def test_it_names_missing_fonts_with_a_503(client, monkeypatch, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    monkeypatch.setattr("reports.pdf.missing_fonts", lambda: ("Noto Sans CJK SC",))
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["fonts"] == {
        "ok": False,
        "detail": "CJK fonts missing: Noto Sans CJK SC",
        "ms": pytest.approx(0, abs=1e3),
    }


@pytest.mark.django_db
def test_it_is_not_ready_when_media_cannot_be_written(client, fonts_installed, settings, tmp_path):
    blocked = tmp_path / "file"
    blocked.write_text("not a directory")
    settings.MEDIA_ROOT = blocked
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["media"]["ok"] is False


@pytest.mark.django_db
def test_it_is_not_ready_with_a_key_that_does_not_match(
    client, fonts_installed, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    settings.PII_KEY = Fernet.generate_key().decode()
    response = client.get("/readyz")
    assert response.status_code == 503
    assert "SANLIAN_PII_KEY" in response.json()["checks"]["key"]["detail"]


@pytest.mark.django_db
def test_it_reports_the_oldest_queued_tasks_age_and_fails_past_the_limit(
    client, fonts_installed, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    result = tasks.run_import_job.enqueue("00000000-0000-0000-0000-000000000000")
    waited = timedelta(seconds=settings.SANLIAN_READY_QUEUE_MAX_SECONDS + 60)
    DBTaskResult.objects.filter(id=result.id).update(enqueued_at=timezone.now() - waited)
    assert health.oldest_queued_seconds() == pytest.approx(waited.total_seconds(), abs=30)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert "is the worker up?" in response.json()["checks"]["queue"]["detail"]


def test_it_skips_the_database_checks_when_the_database_is_down(monkeypatch):
    def down():
        raise RuntimeError("connection refused")

    monkeypatch.setitem(health.CHECKS, "database", down)
    monkeypatch.setitem(health.CHECKS, "media", lambda: "writable")
    monkeypatch.setitem(health.CHECKS, "fonts", lambda: "installed")
    results = health.run_checks()
    assert results["database"]["detail"] == "connection refused"
    assert results["queue"] == {"ok": False, "detail": "database unavailable"}
