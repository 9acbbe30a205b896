"""Evidence files: recognised by their content, size-capped, stored under generated names outside
the web root, served back only through an access check as attachments, deleted with audit."""

import hashlib
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from audit.models import AuditEvent
from registers.models import Evidence
from registers.services import do_add_evidence
from registers.uploads import JPEG, PDF, PNG, WEBP, sniff

PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40
JPEG_BYTES = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 40
PDF_BYTES = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n%%EOF\n"
WEBP_BYTES = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 30
EXE_BYTES = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 40


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def _file(name, content, content_type="application/octet-stream"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def test_it_sniffs_the_four_accepted_types_from_their_first_bytes():
    assert sniff(PNG_BYTES[:16]) == PNG
    assert sniff(JPEG_BYTES[:16]) == JPEG
    assert sniff(PDF_BYTES[:16]) == PDF
    assert sniff(WEBP_BYTES[:16]) == WEBP
    assert sniff(EXE_BYTES[:16]) is None
    assert sniff(b"RIFF\x00\x00\x00\x00WAVE") is None
    assert sniff(b"") is None


def test_it_stores_a_png_named_pdf_as_a_png_under_a_generated_name(activity, media):
    evidence = do_add_evidence(
        None, activity, _file("报告.pdf", PNG_BYTES, content_type="application/pdf")
    )
    assert evidence.mime_type == "image/png"
    assert evidence.original_name == "报告.pdf"
    stored = Path(evidence.file.name)
    assert stored.suffix == ".png"
    assert len(stored.stem) == 32 and "报告" not in evidence.file.name
    assert stored.parts[0] == "evidence"
    on_disk = Path(media) / evidence.file.name
    assert on_disk.read_bytes() == PNG_BYTES
    assert evidence.sha256 == hashlib.sha256(PNG_BYTES).hexdigest()
    assert evidence.size == len(PNG_BYTES)
    assert evidence.unit_id == activity.unit_id


def test_it_refuses_an_exe_named_jpg(activity, media):
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        do_add_evidence(None, activity, _file("photo.jpg", EXE_BYTES, "image/jpeg"))
    assert caught.value.message_dict == {
        "file": ["Only JPEG, PNG or WebP images and PDF documents can be uploaded."]
    }
    assert not Evidence.objects.exists()
    assert not any(Path(media).rglob("*.*"))


def test_it_refuses_an_empty_file(activity):
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        do_add_evidence(None, activity, _file("empty.png", b""))
    assert caught.value.message_dict == {"file": ["The file is empty."]}


def test_it_refuses_a_file_over_the_size_cap(activity, settings, media):
    settings.EVIDENCE_MAX_BYTES = 1024 * 1024
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        do_add_evidence(None, activity, _file("big.png", PNG_BYTES + b"\x00" * 1024 * 1024))
    assert caught.value.message_dict == {"file": ["The file is larger than 1 MB."]}
    assert not Evidence.objects.exists()
    assert not any(Path(media).rglob("*.*"))


def test_it_refuses_an_oversize_file_whose_declared_size_lies(activity, settings):
    settings.EVIDENCE_MAX_BYTES = 100
    upload = _file("big.png", PNG_BYTES + b"\x00" * 200)
    upload.size = 10
    with pytest.raises(ValidationError):
        do_add_evidence(None, activity, upload)


def test_it_uploads_through_the_page_and_records_the_event(login, village_operator, activity):
    client = login(village_operator)
    response = client.post(
        reverse("registers:activity_evidence_upload", args=[activity.pk]),
        {"file": _file("合影.jpg", JPEG_BYTES, "image/jpeg")},
    )
    assert response.url == reverse("registers:activity_detail", args=[activity.pk])
    evidence = Evidence.objects.get()
    assert evidence.record == activity
    assert evidence.uploaded_by == village_operator
    event = AuditEvent.objects.get(action="registers.evidence.add")
    assert event.after["name"] == "合影.jpg" and event.after["type"] == "image/jpeg"


def test_it_tells_the_user_why_a_page_upload_was_refused(login, village_operator, activity):
    client = login(village_operator)
    response = client.post(
        reverse("registers:activity_evidence_upload", args=[activity.pk]),
        {"file": _file("virus.jpg", EXE_BYTES)},
        follow=True,
        HTTP_ACCEPT_LANGUAGE="en",
    )
    shown = [str(m) for m in response.context["messages"]]
    assert shown == ["Only JPEG, PNG or WebP images and PDF documents can be uploaded."]
    assert not Evidence.objects.exists()


def test_it_serves_the_file_as_an_attachment_with_nosniff(login, leader, activity):
    evidence = do_add_evidence(None, activity, _file("报告.pdf", PNG_BYTES))
    response = login(leader).get(reverse("registers:evidence_download", args=[evidence.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert ".png" in disposition and ".pdf" not in disposition
    assert b"".join(response.streaming_content) == PNG_BYTES


def test_it_answers_404_to_an_outsider_for_a_file(login, outsider, village_operator, activity):
    evidence = do_add_evidence(None, activity, _file("a.png", PNG_BYTES))
    client = login(outsider)
    assert client.get(reverse("registers:evidence_download", args=[evidence.pk])).status_code == 404
    assert client.post(reverse("registers:evidence_delete", args=[evidence.pk])).status_code == 404
    assert Evidence.objects.filter(pk=evidence.pk).exists()
    denial = AuditEvent.objects.filter(action="access.denied").last()
    assert denial.after["reason"] == "not_found"


def test_it_answers_404_for_a_file_that_does_not_exist(login, county_officer, tree):
    response = login(county_officer).get(reverse("registers:evidence_download", args=[999]))
    assert response.status_code == 404


def test_it_deletes_a_file_after_confirmation_with_audit(
    login, village_operator, activity, media, django_capture_on_commit_callbacks
):
    evidence = do_add_evidence(None, activity, _file("a.png", PNG_BYTES))
    path = Path(media) / evidence.file.name
    client = login(village_operator)
    url = reverse("registers:evidence_delete", args=[evidence.pk])
    assert client.get(url).status_code == 200
    assert path.exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url)
    assert response.url == reverse("registers:activity_detail", args=[activity.pk])
    assert not Evidence.objects.exists()
    assert not path.exists()
    event = AuditEvent.objects.get(action="registers.evidence.delete")
    assert event.before["name"] == "a.png"


def test_it_forbids_a_leader_to_delete_a_file(login, leader, activity):
    evidence = do_add_evidence(None, activity, _file("a.png", PNG_BYTES))
    response = login(leader).post(reverse("registers:evidence_delete", args=[evidence.pk]))
    assert response.status_code == 403
    assert Evidence.objects.exists()


def test_it_does_not_serve_uploads_from_any_url_of_their_own(login, leader, activity):
    evidence = do_add_evidence(None, activity, _file("a.png", PNG_BYTES))
    client = login(leader)
    for url in (f"/{evidence.file.name}", f"/media/{evidence.file.name}"):
        assert client.get(url).status_code == 404
