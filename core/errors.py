"""Errors a service collects field by field before it refuses a write (`ValidationError(errors)`),
and the guard against fields a caller should not pass: the one home of both (docs/decisions.md,
"One home per rule")."""

from django.core.exceptions import PermissionDenied, ValidationError


def add_error(errors: dict[str, list[str]], field: str, message: str) -> None:
    """Add `message` to the field's list of errors."""
    errors.setdefault(field, []).append(message)


def check_fields(fields: dict, allowed: tuple[str, ...]) -> None:
    """Refuse keyword fields a service does not take: a programming error, not a user's."""
    unknown = set(fields) - set(allowed)
    if unknown:
        raise ValueError(f"Unknown fields: {sorted(unknown)}")


class StateConflict(ValidationError):
    """A write that the object's present state refuses: submitting an assessment twice, ending
    an ended post, confirming a confirmed import. The API answers it 409, like a stale version
    (docs/api.md, "Status codes"); a page shows it like any other refusal."""

    def __init__(self, message, code: str = "conflict", params=None):
        super().__init__(message, code=code, params=params)


class OutOfTurn(PermissionDenied):
    """A level of an assessment's chain acting at a stage that is not its own. Pages refuse it
    as forbidden (and record the denial) as before; the API answers 409, since the same user
    acts there at its own stage (docs/api.md, "Status codes")."""
