"""The user's config.toml: every key optional, every value checked, sane defaults."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from . import paths


class ConfigError(ValueError):
    """The config file exists but cannot be used; the message names the file and key."""


@dataclass(frozen=True)
class Config:
    theme: str = "kontakt"
    daily_cap: int = 5
    # weekday (0 Monday … 6 Sunday) → that day's cap, from review.daily_cap_weekdays
    daily_cap_weekdays: dict[int, int] = field(default_factory=dict)
    birthday_window_days: int = 7
    thank_after_days: int = 3  # a thank-you is best said within days, not a month
    intro_check_weeks: tuple[int, int] = (4, 6)
    open_today_first: bool = False
    keymap: dict[str, str] = field(default_factory=dict)
    path: Path | None = None
    # [calendar] keep_in_touch = true: the calendar folder also gets keep-in-touch dates
    calendar_keep_in_touch: bool = False


# Upper bounds: a day count beyond a century overflows date sums, a cap beyond a million
# overflows nothing but is a typo (and beyond 2**63 would overflow SQLite's LIMIT).
_MAX_DAYS = 36_525
_MAX_CAP = 1_000_000


def _int(section: dict, key: str, default: int, where: str, low: int = 0, high: int = _MAX_DAYS) -> int:
    value = section.get(key, default)
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise ConfigError(f"{where}: {key} must be a whole number from {low} to {high}, not {value!r}")
    return value


_WEEKDAY_KEYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _weekday_caps(review: dict, where: str) -> dict[int, int]:
    """review.daily_cap_weekdays = {sat = 0, sun = 2}: a cap per weekday (0 is a day off);
    the other days keep daily_cap. Weekdays by their first three letters or full names."""
    table = review.get("daily_cap_weekdays", {})
    if not isinstance(table, dict):
        raise ConfigError(f"{where}: review.daily_cap_weekdays must be a table, like {{sat = 0, sun = 2}}")
    caps: dict[int, int] = {}
    for key, value in table.items():
        short = key.strip().lower()[:3]
        if short not in _WEEKDAY_KEYS or key.strip().lower() not in (
            short, {"mon": "monday", "tue": "tuesday", "wed": "wednesday", "thu": "thursday",
                    "fri": "friday", "sat": "saturday", "sun": "sunday"}[short]
        ):
            raise ConfigError(
                f"{where}: review.daily_cap_weekdays: {key!r} is not a weekday (mon, tue, … sun)"
            )
        caps[_WEEKDAY_KEYS.index(short)] = _int(
            table, key, 0, f"{where}: review.daily_cap_weekdays", low=0, high=_MAX_CAP
        )
    return caps


def _read(path: Path) -> dict:
    """The parsed config file, {} when there is none. Raises ConfigError naming the file."""
    if not path.exists():
        return {}
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError) as error:
        raise ConfigError(f"{path}: {error}") from None


def config_table(name: str, path: Path | None = None) -> tuple[dict, Path]:
    """One table of the config file (`[sync]`, `[capture]`; {} when unset) and the file's
    path, for the services that own the table to read their keys. Raises ConfigError."""
    path = path or paths.config_path()
    table = _read(path).get(name, {})
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [{name}] must be a table")
    return table, path


def load_config(path: Path | None = None) -> Config:
    """Read the config file; a missing file gives the defaults. Raises ConfigError."""
    path = path or paths.config_path()
    if not path.exists():
        return Config(path=path)
    data = _read(path)
    where = str(path)
    review = data.get("review", {})
    if not isinstance(review, dict):
        raise ConfigError(f"{where}: [review] must be a table")
    keymap = data.get("keymap", {})
    if not isinstance(keymap, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in keymap.items()
    ):
        raise ConfigError(f"{where}: [keymap] maps binding ids to keys, e.g. \"app.add\" = \"n\"")
    theme = data.get("theme", "kontakt")
    if not isinstance(theme, str):
        raise ConfigError(f"{where}: theme must be text")
    weeks = review.get("intro_check_weeks", [4, 6])
    if (
        not isinstance(weeks, list) or len(weeks) != 2
        or not all(isinstance(w, int) and not isinstance(w, bool) and 0 <= w <= _MAX_DAYS // 7
                   for w in weeks)
        or weeks[0] > weeks[1]
    ):
        raise ConfigError(f"{where}: review.intro_check_weeks must be two numbers, like [4, 6]")
    open_today_first = review.get("open_today_first", False)
    if not isinstance(open_today_first, bool):
        # bool("false") is True: a quoted "false" must not switch the option on.
        raise ConfigError(
            f"{where}: review.open_today_first must be true or false, not {open_today_first!r}"
        )
    calendar = data.get("calendar", {})
    if not isinstance(calendar, dict):
        raise ConfigError(f"{where}: [calendar] must be a table")
    calendar_keep_in_touch = calendar.get("keep_in_touch", False)
    if not isinstance(calendar_keep_in_touch, bool):
        raise ConfigError(
            f"{where}: calendar.keep_in_touch must be true or false, not {calendar_keep_in_touch!r}"
        )
    return Config(
        theme=theme,
        daily_cap=_int(review, "daily_cap", 5, where, low=1, high=_MAX_CAP),
        daily_cap_weekdays=_weekday_caps(review, where),
        birthday_window_days=_int(review, "birthday_window_days", 7, where),
        thank_after_days=_int(review, "thank_after_days", 3, where),
        intro_check_weeks=(weeks[0], weeks[1]),
        open_today_first=open_today_first,
        keymap=dict(keymap),
        path=path,
        calendar_keep_in_touch=calendar_keep_in_touch,
    )


def save_setting(key: str, value: str, path: Path | None = None) -> None:
    """Remember one top-level string setting (the theme picked in the app) in the config file.

    Rewrites only that key's line; other keys and comments stay as the user wrote them.
    """
    path = path or paths.config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    new_line = f'{key} = "{escaped}"'
    for index, line in enumerate(lines):
        if line.split("=", 1)[0].strip() == key and not line.lstrip().startswith("["):
            lines[index] = new_line
            break
        if line.lstrip().startswith("["):
            lines.insert(index, new_line)
            break
    else:
        lines.append(new_line)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
