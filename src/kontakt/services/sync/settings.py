"""[sync] in config.toml: where the vCard and calendar folders are."""

from __future__ import annotations

from pathlib import Path

from ...config import ConfigError, config_table

# config.toml cannot be read, or [sync] holds something that is not a folder path: the
# config's own error, under the name sync's callers know.
SettingsError = ConfigError


def sync_folders(path: Path | None = None) -> dict[str, Path]:
    """{"vcard_dir": …, "calendar_dir": …} as set under [sync] (~ expanded); {} when unset."""
    section, path = config_table("sync", path)
    found = {}
    for key in ("vcard_dir", "calendar_dir"):
        value = section.get(key)
        if value is not None and not isinstance(value, str):
            raise SettingsError(f"{path}: sync.{key} must be a folder path in quotes")
        if value:
            found[key] = Path(value).expanduser()
    return found
