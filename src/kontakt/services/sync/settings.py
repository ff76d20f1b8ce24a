"""[sync] in config.toml: where the vCard and calendar folders are."""

from __future__ import annotations

import tomllib
from pathlib import Path

from ... import paths


class SettingsError(ValueError):
    """config.toml cannot be read, or [sync] holds something that is not a folder path."""


def sync_folders(path: Path | None = None) -> dict[str, Path]:
    """{"vcard_dir": …, "calendar_dir": …} as set under [sync] (~ expanded); {} when unset."""
    path = path or paths.config_path()
    if not path.exists():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError) as error:
        raise SettingsError(f"{path}: {error}") from None
    section = data.get("sync", {})
    if not isinstance(section, dict):
        raise SettingsError(f"{path}: [sync] must be a table")
    found = {}
    for key in ("vcard_dir", "calendar_dir"):
        value = section.get(key)
        if value is not None and not isinstance(value, str):
            raise SettingsError(f"{path}: sync.{key} must be a folder path in quotes")
        if value:
            found[key] = Path(value).expanduser()
    return found
