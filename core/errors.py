"""Errors a service collects field by field before it refuses a write (`ValidationError(errors)`),
and the guard against fields a caller should not pass: the one home of both (docs/decisions.md,
"One home per rule")."""


def add_error(errors: dict[str, list[str]], field: str, message: str) -> None:
    """Add `message` to the field's list of errors."""
    errors.setdefault(field, []).append(message)


def check_fields(fields: dict, allowed: tuple[str, ...]) -> None:
    """Refuse keyword fields a service does not take: a programming error, not a user's."""
    unknown = set(fields) - set(allowed)
    if unknown:
        raise ValueError(f"Unknown fields: {sorted(unknown)}")
