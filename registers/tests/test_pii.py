"""Encryption at rest: AES-GCM values, Fernet values from before, blind indexes."""

import hmac

import pytest
from cryptography.fernet import Fernet
from django.conf import settings

from registers import pii


def test_a_value_decrypts_to_itself():
    token = pii.encrypt("430121198503050012")
    assert token.startswith(f"g2:{pii.key_id(settings.PII_KEY)}:") and "430121" not in token
    assert pii.decrypt(token) == "430121198503050012"


def test_the_same_value_encrypts_differently_each_time():
    assert pii.encrypt("13812345678") != pii.encrypt("13812345678")


def test_many_values_encrypt_at_once_and_blanks_stay_blank():
    tokens = pii.encrypt_many(["13812345678", "", "0731-88881234"])
    assert tokens[1] == ""
    assert [pii.decrypt(t) for t in tokens] == ["13812345678", "", "0731-88881234"]


def test_a_fernet_value_from_before_still_decrypts():
    token = Fernet(settings.PII_KEY.encode()).encrypt(b"13812345678").decode()
    assert pii.decrypt(token) == "13812345678"


def test_a_tampered_value_is_refused():
    token = pii.encrypt("13812345678")
    tampered = token[:-3] + ("A" if token[-3] != "A" else "B") + token[-2:]
    with pytest.raises(ValueError):
        pii.decrypt(tampered)


def test_a_value_under_another_key_is_refused(monkeypatch):
    token = pii.encrypt("13812345678")
    monkeypatch.setattr(settings, "PII_KEY", Fernet.generate_key().decode())
    with pytest.raises(ValueError):
        pii.decrypt(token)


def test_the_blind_index_is_stable_and_keyed(monkeypatch):
    first = pii.blind_index("id", "430121198503050012")
    assert first == pii.blind_index("id", "430121198503050012") and len(first) == 64
    assert first != pii.blind_index("phone", "430121198503050012")
    monkeypatch.setattr(settings, "PII_KEY", Fernet.generate_key().decode())
    assert pii.blind_index("id", "430121198503050012") != first


@pytest.mark.parametrize("key_bytes", [16, 32, 64, 65, 200])
def test_the_blind_index_is_standard_hmac_sha256_so_stored_hashes_stay_valid(key_bytes):
    key = bytes(range(256))[:key_bytes]
    for message in (b"", b"id:430121198503050012", b"phone:13800138000" * 9):
        expected = hmac.digest(key, message, "sha256").hex()
        assert pii._hmac_sha256(key)(message) == expected


def test_the_blind_index_is_the_hmac_of_kind_and_value_under_the_index_key():
    key = pii._index_key(settings.PII_KEY)
    expected = hmac.digest(key, b"id:430121198503050012", "sha256").hex()
    assert pii.blind_index("id", "430121198503050012") == expected
    assert pii.blind_indexer("id")("430121198503050012") == expected
    assert pii.blind_index("id", "") == ""


def test_a_value_from_before_the_key_id_still_decrypts():
    token = pii.encrypt("13812345678")
    legacy = pii.GCM_PREFIX + token.split(":", 2)[2]
    assert pii.decrypt(legacy) == "13812345678"


def test_a_value_under_an_old_key_decrypts_while_the_old_key_is_configured(monkeypatch):
    old = settings.PII_KEY
    token = pii.encrypt("13812345678")
    monkeypatch.setattr(settings, "PII_KEY", Fernet.generate_key().decode())
    monkeypatch.setattr(settings, "PII_OLD_KEYS", [old], raising=False)
    assert pii.decrypt(token) == "13812345678"
    assert not pii.is_under(token, settings.PII_KEY) and pii.is_under(token, old)
