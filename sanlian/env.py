"""Small typed readers for environment settings that fail loudly on bad values."""

import os
from pathlib import Path


class SettingError(RuntimeError):
    pass


def env_str(name: str, default: str | None = None) -> str:
    value = os.environ.get(name)
    if value is None or value == "":
        if default is None:
            raise SettingError(f"Environment variable {name} is required but not set.")
        return default
    return value


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise SettingError(f"Environment variable {name}={value!r} is not a boolean (use true/false).")


def env_int(name: str, default: int, minimum: int | None = None) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except ValueError as error:
        raise SettingError(f"Environment variable {name}={value!r} is not an integer.") from error
    if minimum is not None and number < minimum:
        raise SettingError(f"Environment variable {name}={number} is below the minimum {minimum}.")
    return number


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def env_choice(name: str, default: str, choices: set[str]) -> str:
    value = env_str(name, default)
    if value not in choices:
        allowed = ", ".join(sorted(choices))
        raise SettingError(f"Environment variable {name}={value!r} must be one of: {allowed}.")
    return value


def env_secret(name: str, default: str | None = None) -> str:
    """A secret from NAME, or read from the file NAME_FILE names (systemd credentials, a 0600 file
    outside the checkout), so that keys need not sit in an environment file."""
    value = os.environ.get(name)
    file_name = os.environ.get(f"{name}_FILE")
    if value and file_name:
        raise SettingError(f"Set {name} or {name}_FILE, not both.")
    if not value and file_name:
        try:
            value = Path(file_name).read_text(encoding="utf-8").strip()
        except OSError as error:
            raise SettingError(f"{name}_FILE={file_name!r} cannot be read: {error}") from error
        if not value:
            raise SettingError(f"{name}_FILE={file_name!r} is empty.")
        return value
    return env_str(name, default)
