"""Find plain ID numbers and phones in raw bytes (a database file's pages, a dump, a log).

Each value is looked for whole and in every form it could leak in: with the separators people type
(`138 0000 0001`, `430121-19750712-0028`), as UTF-16 (either byte order), and as a stored integer
(SQLite's big-endian record integers, 6 or 8 bytes). An ID number is also looked for without its
region prefix, since the region can be read off the member's unit: the twelve digits of birth date,
sequence and check digit. No shorter fragment is used: five or six digits turn up by chance in
timestamps and counters, which made the scan fail with the clock (issue 17)."""

PHONE_GROUPS = (3, 4, 4)
ID_GROUPS = (6, 8, 4)
SEPARATORS = (" ", "-")


def _grouped(value: str, sizes: tuple[int, ...]) -> list[str]:
    if sum(sizes) != len(value):
        return []
    parts, start = [], 0
    for size in sizes:
        parts.append(value[start : start + size])
        start += size
    return [separator.join(parts) for separator in SEPARATORS]


def _as_integers(value: str) -> list[bytes]:
    if not value.isdigit():
        return []
    number = int(value)
    return [number.to_bytes(width, "big") for width in (6, 8) if number < 1 << (8 * width - 1)]


def leak_forms(value: str) -> list[bytes]:
    """Every byte string whose presence would disclose `value`."""
    texts = [value]
    texts += _grouped(value, PHONE_GROUPS) + _grouped(value, ID_GROUPS)
    if len(value) == 18:
        texts.append(value[6:])
    forms = [text.encode() for text in texts]
    forms += [value.encode("utf-16-le"), value.encode("utf-16-be")]
    return forms + _as_integers(value)


def leaked(raw: bytes, values: list[str]) -> list[str]:
    """The values of which some form occurs in `raw`."""
    return [value for value in values if any(form in raw for form in leak_forms(value))]
