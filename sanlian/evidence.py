"""`sanlian evidence verify`: every stored evidence file re-hashed against the SHA-256 recorded in
its `registers.evidence.add` audit event, which the hash chain protects. A file can be lost,
changed, or swapped with another evidence file (then its hash is that other file's recorded hash);
the row itself can have been edited behind the audit log's back."""

import hashlib
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from audit.models import AuditEvent

ADD_ACTION = "registers.evidence.add"
LOST, CHANGED, SWAPPED, ROW_CHANGED, UNRECORDED = (
    "lost",
    "changed",
    "swapped",
    "row changed",
    "unrecorded",
)


@dataclass
class EvidenceProblem:
    evidence_id: int
    stored_as: str
    kind: str
    detail: str = ""


@dataclass
class EvidenceReport:
    checked: int = 0
    problems: list[EvidenceProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def file_sha256(storage, name: str) -> str:
    digest = hashlib.sha256()
    with storage.open(name, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def recorded_hashes() -> dict[int, dict]:
    """Each evidence id's recorded snapshot, from its latest add event."""
    recorded: dict[int, dict] = {}
    events = AuditEvent.objects.filter(action=ADD_ACTION, object_type="registers.evidence")
    for object_id, after in events.order_by("seq").values_list("object_id", "after"):
        if object_id.isdigit() and after:
            recorded[int(object_id)] = after
    return recorded


def verify_evidence() -> EvidenceReport:
    from registers.models import Evidence

    recorded = recorded_hashes()
    owner_of_hash = {after.get("sha256"): pk for pk, after in recorded.items()}
    report = EvidenceReport()
    for evidence in Evidence.objects.order_by("pk").iterator():
        report.checked += 1
        name = evidence.file.name
        snapshot = recorded.get(evidence.pk)
        if snapshot is None:
            report.problems.append(EvidenceProblem(evidence.pk, name, UNRECORDED))
            continue
        expected = snapshot.get("sha256", "")
        if evidence.sha256 != expected or name != snapshot.get("stored_as", name):
            report.problems.append(
                EvidenceProblem(evidence.pk, name, ROW_CHANGED, snapshot.get("stored_as", ""))
            )
        if not evidence.file.storage.exists(name):
            report.problems.append(EvidenceProblem(evidence.pk, name, LOST))
            continue
        actual = file_sha256(evidence.file.storage, name)
        if actual == expected:
            continue
        other = owner_of_hash.get(actual)
        if other is not None and other != evidence.pk:
            report.problems.append(EvidenceProblem(evidence.pk, name, SWAPPED, str(other)))
        else:
            report.problems.append(EvidenceProblem(evidence.pk, name, CHANGED, actual))
    return report


def describe(problem: EvidenceProblem) -> str:
    values = {"id": problem.evidence_id, "file": problem.stored_as, "detail": problem.detail}
    messages = {
        LOST: _("Evidence %(id)s: the file %(file)s is lost."),
        CHANGED: _("Evidence %(id)s: the file %(file)s was changed (its hash is now %(detail)s)."),
        SWAPPED: _("Evidence %(id)s: the file %(file)s holds evidence %(detail)s's content."),
        ROW_CHANGED: _(
            "Evidence %(id)s: its record was edited outside the application (recorded as "
            "%(detail)s)."
        ),
        UNRECORDED: _("Evidence %(id)s: %(file)s has no upload event in the audit log."),
    }
    return messages[problem.kind] % values
