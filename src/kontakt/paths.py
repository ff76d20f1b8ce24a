"""Where the book and the config live: platform dirs, overridden by --db or KONTAKT_DB."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "kontakt"
BOOK_FILE = "kontakt.db"


def data_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME))


def config_path() -> Path:
    """The config file; KONTAKT_CONFIG overrides it (tests, several setups)."""
    override = os.environ.get("KONTAKT_CONFIG")
    if override:
        return Path(override).expanduser()
    return Path(platformdirs.user_config_dir(APP_NAME)) / "config.toml"


def default_book_path() -> Path:
    """The user's own book in the platform data dir; its directory is created 0700."""
    directory = data_dir()
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    return directory / BOOK_FILE


def book_path(explicit: str | os.PathLike | None = None) -> tuple[Path, bool]:
    """The book to open and whether it is the default one (--db, then KONTAKT_DB, then default)."""
    if explicit:
        return Path(explicit).expanduser(), False
    env = os.environ.get("KONTAKT_DB")
    if env:
        return Path(env).expanduser(), False
    return default_book_path(), True
