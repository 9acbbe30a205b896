"""The four shipped example standards (standards/data/*.yaml), installed by a migration."""

from pathlib import Path

from django.db import transaction

from standards.actions import StandardAction
from standards.files import build_standard, parse_standard, read_document

DATA = Path(__file__).resolve().parent / "data"
DEFAULT_FILES = [
    "five_good_group.yaml",
    "qualified_village.yaml",
    "first_class_village.yaml",
    "advanced_township.yaml",
]


def default_documents():
    """(file name, checked data) of each shipped standard; a broken file fails loudly."""
    for name in DEFAULT_FILES:
        data, errors = parse_standard(read_document(DATA / name))
        if errors:
            raise ValueError(f"{name}: " + "; ".join(errors))
        yield name, data


def install_default_standards(actor=None, *, models=None) -> list:
    """Install the shipped example of each title that has no version yet, as version 0 (a
    county's own versions count from 1); returns the standards created.

    `models` is a migration's app registry; without one the real models are used and one audit
    event records the run (a migration writes none: the audit tables may not be current then).
    """
    from django.apps import apps as real_apps

    registry = models or real_apps
    Standard = registry.get_model("standards", "Standard")
    created = []
    with transaction.atomic():
        for _name, data in default_documents():
            if Standard.objects.filter(title=data.title).exists():
                continue
            created.append(build_standard(data, models=registry, version=0, created_by=actor))
        if created and models is None:
            from audit.services import record_event

            record_event(
                actor=actor,
                action=StandardAction.INSTALL_DEFAULTS,
                object_type="standards.standard",
                object_id=",".join(str(s.pk) for s in created),
                object_label="",
                after={"standards": [f"{s.title} v{s.version}" for s in created]},
            )
    return created


def shipped_standards() -> dict:
    """The shipped example of each title still in the database, by title."""
    from standards.models import Standard

    return {
        s.title: s for s in Standard.objects.filter(version=0, unit__isnull=True, is_example=True)
    }
