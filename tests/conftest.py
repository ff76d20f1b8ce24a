"""Every test runs with its own data, config and cache dirs: never the user's real book."""

from __future__ import annotations

import os

import pytest
from hypothesis import settings

# On CI the property tests use fixed examples, so a red run is reproducible, not flaky;
# locally they explore new examples each run (and remember failures).
settings.register_profile("ci", derandomize=True, database=None)
if os.environ.get("CI"):
    settings.load_profile("ci")


@pytest.fixture(autouse=True)
def isolated_environment(tmp_path_factory, monkeypatch):
    home = tmp_path_factory.mktemp("home")
    for variable, sub in (("XDG_DATA_HOME", "data"), ("XDG_CONFIG_HOME", "config"),
                          ("XDG_CACHE_HOME", "cache")):
        (home / sub).mkdir()
        monkeypatch.setenv(variable, str(home / sub))
    monkeypatch.setenv("HOME", str(home))
    for variable in ("KONTAKT_DB", "KONTAKT_TODAY", "KONTAKT_CONFIG", "NO_COLOR", "KONTAKT_DEBUG"):
        monkeypatch.delenv(variable, raising=False)
    return home
