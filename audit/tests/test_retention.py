"""Retention: audit events are kept at least six months (security.md); nothing the app runs on a
schedule deletes them, and the log still shows and verifies them."""

from datetime import timedelta

from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from audit import services
from audit.models import AuditEvent
from audit.services import record_event, verify_chain
from audit.tests.actions import SampleAction


def test_it_keeps_a_year_old_event_through_every_clean_up(monkeypatch, login, administrator):
    year_ago = timezone.now() - timedelta(days=400)
    monkeypatch.setattr(services.timezone, "now", lambda: year_ago)
    old = record_event(actor=None, action=SampleAction.OLD)
    monkeypatch.undo()
    assert timezone.now() - old.created_at > timedelta(days=183)

    call_command("prune_jobs", days=0)
    call_command("prune_import_jobs", days=0)

    assert AuditEvent.objects.filter(seq=old.seq).exists()
    assert verify_chain().ok
    response = login(administrator).get(reverse("audit_log"), {"action": "test.old"})
    assert [event.seq for event, _unit in response.context["rows"]] == [old.seq]
