"""Lockout that a shared office address survives: 5 failures of one account from one address lock
it there, 10 from anywhere lock the account, 30 from one address lock the address."""

import pytest
from django.conf import settings
from django.urls import reverse

from audit.models import AuditEvent, Result
from conftest import PASSWORD

OFFICE = "10.20.0.1"  # one township office behind one NAT


def _log_in(client, username, password, address=OFFICE):
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address
    )


def _fail(client, username, times, address=OFFICE):
    for _ in range(times):
        _log_in(client, username, "wrong-password", address=address)


def test_it_sets_a_per_address_threshold_high_enough_for_an_office():
    assert settings.AXES_FAILURE_LIMIT == 5
    assert settings.SANLIAN_LOCKOUT_ACCOUNT_FAILURES == 10
    assert settings.SANLIAN_LOCKOUT_ADDRESS_FAILURES == 30


def test_it_locks_an_account_only_at_the_address_it_failed_from(client, township_officer):
    _fail(client, "township_1", 5)
    assert _log_in(client, "township_1", PASSWORD).status_code == 429
    assert _log_in(client, "township_1", PASSWORD, address="10.30.0.9").status_code == 302


def test_it_lets_an_office_log_in_after_several_colleagues_mistyped(
    client, township_officer, other_township_officer
):
    # Seven colleagues behind one address, four typos each: 28 failures, nobody locked out.
    for n in range(6):
        _fail(client, f"colleague_{n}", 4)
    _fail(client, "township_2", 4)
    assert _log_in(client, "township_1", PASSWORD).status_code == 302


def test_it_locks_an_account_after_ten_failures_from_several_addresses(client, township_officer):
    for n in range(10):
        _log_in(client, "township_1", "wrong-password", address=f"10.40.0.{n}")
    assert _log_in(client, "township_1", PASSWORD, address="10.40.1.1").status_code == 429
    assert AuditEvent.objects.filter(
        action="accounts.locked_out", object_label="township_1", result=Result.DENIED
    ).exists()


def test_it_locks_an_address_that_sprays_thirty_guesses_across_accounts(client, township_officer):
    for n in range(30):
        _log_in(client, f"guess_{n}", "wrong-password", address="10.50.0.5")
    assert _log_in(client, "township_1", PASSWORD, address="10.50.0.5").status_code == 429
    assert _log_in(client, "township_1", PASSWORD, address="10.50.0.6").status_code == 302


@pytest.mark.parametrize("failures", [4, 9])
def test_it_does_not_lock_below_the_thresholds(client, township_officer, failures):
    # 4 from one address, or 9 spread over addresses: below both account thresholds.
    for n in range(failures):
        address = OFFICE if failures == 4 else f"10.60.0.{n}"
        _log_in(client, "township_1", "wrong-password", address=address)
    assert _log_in(client, "township_1", PASSWORD).status_code == 302
