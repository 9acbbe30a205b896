"""One home for storing an evidence file (registers.evidence), used by the registers' records and
by assessments: checked by content, stored under a generated name, audited, removed on failure."""

from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from registers.evidence import checked_upload, store_evidence
from registers.models import Evidence

PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def _png() -> SimpleUploadedFile:
    return SimpleUploadedFile("照片.pdf", PNG_BYTES, content_type="application/pdf")


def test_it_stores_the_file_under_a_generated_name_of_its_sniffed_type(tree, activity):
    upload, audited = _png(), []
    evidence = store_evidence(
        None, activity, upload, checked_upload(upload), slot="", unit=tree.village_1,
        audit=audited.append,
    )  # fmt: skip
    assert audited == [evidence]
    assert evidence.file.name.endswith(".png")
    assert "照片" not in evidence.file.name
    assert (evidence.original_name, evidence.unit) == ("照片.pdf", tree.village_1)


def test_it_deletes_the_stored_file_when_the_audit_fails(tree, activity, media):
    def failing_audit(evidence):
        raise RuntimeError("the audit chain is locked")

    upload = _png()
    with pytest.raises(RuntimeError):
        store_evidence(
            None, activity, upload, checked_upload(upload), slot="", unit=tree.village_1,
            audit=failing_audit,
        )  # fmt: skip
    assert not Evidence.objects.exists()
    assert not any(Path(media).rglob("*.*"))


def test_it_refuses_a_file_of_another_type_as_the_file_fields_error():
    with pytest.raises(ValidationError) as refused:
        checked_upload(SimpleUploadedFile("a.jpg", b"MZ\x90\x00" * 10))
    assert list(refused.value.message_dict) == ["file"]
