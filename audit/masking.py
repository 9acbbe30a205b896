"""Older events hold ID numbers masked the old way (110***********001X), with the last four
characters that, beside a birth date and a division code, rebuilt the number. The events are
hash-chained and are never rewritten; what shows them (the API, the admin, a member's history)
passes their before/after through `shown` instead, which keeps the first three characters only,
as registers.identity.mask_id_number does today. The hash still covers the stored values.

The audit app imports nothing of ours, so the pattern of the old form lives here."""

import re
from typing import Any

OLD_ID_MASK = re.compile(r"(?<![0-9A-Za-z*])([0-9]{3})\*{11}[0-9]{3}[0-9Xx](?![0-9A-Za-z*])")


def _remask(match: re.Match) -> str:
    return match.group(1) + "*" * 15


def shown(value: Any) -> Any:
    """The value with every old-style masked ID number in it (in any string, at any depth)
    masked the current way."""
    if isinstance(value, str):
        return OLD_ID_MASK.sub(_remask, value) if "*" in value else value
    if isinstance(value, dict):
        return {key: shown(item) for key, item in value.items()}
    if isinstance(value, list):
        return [shown(item) for item in value]
    return value
