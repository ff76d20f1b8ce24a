"""The config file: defaults when missing, every value checked, settings saved in place."""

import pytest

from kontakt import paths
from kontakt.config import Config, ConfigError, load_config, save_setting


def test_a_missing_config_file_gives_the_defaults(tmp_path):
    path = tmp_path / "config.toml"
    config = load_config(path)
    assert config == Config(path=path)
    assert config.daily_cap == 5 and config.theme == "kontakt"
    assert not path.exists()


def test_the_config_path_follows_kontakt_config(tmp_path, monkeypatch):
    monkeypatch.setenv("KONTAKT_CONFIG", str(tmp_path / "elsewhere.toml"))
    assert paths.config_path() == tmp_path / "elsewhere.toml"
    assert load_config().path == tmp_path / "elsewhere.toml"


def test_a_full_config_file_is_read(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text(
        """
theme = "nord"

[review]
daily_cap = 8
birthday_window_days = 14
thank_after_days = 10
intro_check_weeks = [2, 3]
open_today_first = true

[keymap]
"app.add" = "a"
""",
        encoding="utf-8",
    )
    assert load_config(path) == Config(
        theme="nord",
        daily_cap=8,
        birthday_window_days=14,
        thank_after_days=10,
        intro_check_weeks=(2, 3),
        open_today_first=True,
        keymap={"app.add": "a"},
        path=path,
    )


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("theme = 3", "theme"),
        ("[review]\ndaily_cap = 0", "daily_cap"),
        ("[review]\ndaily_cap = \"five\"", "daily_cap"),
        ("[review]\ndaily_cap = true", "daily_cap"),
        ("[review]\nbirthday_window_days = -1", "birthday_window_days"),
        ("[review]\nthank_after_days = 1.5", "thank_after_days"),
        # Beyond any calendar or SQLite integer: a message, not an OverflowError later.
        ("[review]\ndaily_cap = 99999999999999999999", "daily_cap"),
        ("[review]\nbirthday_window_days = 99999999999", "birthday_window_days"),
        ("[review]\nthank_after_days = 36526", "thank_after_days"),
        ("[review]\nintro_check_weeks = [4, 99999999999]", "intro_check_weeks"),
        ("[review]\nintro_check_weeks = [6, 4]", "intro_check_weeks"),
        ("[review]\nintro_check_weeks = [4]", "intro_check_weeks"),
        ("[review]\nintro_check_weeks = [-2, 4]", "intro_check_weeks"),
        ("[review]\nintro_check_weeks = [true, 4]", "intro_check_weeks"),
        ("[review]\nopen_today_first = \"false\"", "open_today_first"),
        ("[review]\nopen_today_first = 1", "open_today_first"),
        ("review = 5", "review"),
        ("[keymap]\n\"app.add\" = 5", "keymap"),
    ],
)
def test_a_bad_value_raises_config_error_naming_the_file_and_key(tmp_path, text, key):
    path = tmp_path / "config.toml"
    path.write_text(text + "\n", encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        load_config(path)
    assert str(path) in str(error.value)
    assert key in str(error.value)


def test_a_file_that_is_not_toml_raises_config_error_naming_the_file(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text("theme = \n[[[", encoding="utf-8")
    with pytest.raises(ConfigError, match=str(path)):
        load_config(path)


def test_save_setting_creates_the_file_when_missing(tmp_path):
    path = tmp_path / "sub" / "config.toml"
    save_setting("theme", "nord", path)
    assert load_config(path).theme == "nord"


def test_save_setting_replaces_only_its_own_line_and_keeps_the_rest(tmp_path):
    path = tmp_path / "config.toml"
    original = """# my kontakt settings
theme = "kontakt"  # the default
other = 1

[review]
daily_cap = 8  # a busy week
"""
    path.write_text(original, encoding="utf-8")
    save_setting("theme", "nord", path)
    assert path.read_text(encoding="utf-8") == original.replace(
        'theme = "kontakt"  # the default', 'theme = "nord"'
    )
    assert load_config(path).daily_cap == 8


def test_save_setting_puts_a_new_key_above_the_first_table(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text("# top\n[review]\ndaily_cap = 8\n", encoding="utf-8")
    save_setting("theme", "nord", path)
    assert path.read_text(encoding="utf-8") == '# top\ntheme = "nord"\n[review]\ndaily_cap = 8\n'
    config = load_config(path)
    assert (config.theme, config.daily_cap) == ("nord", 8)


def test_save_setting_escapes_quotes_so_the_file_stays_valid(tmp_path):
    path = tmp_path / "config.toml"
    save_setting("theme", 'my "dark" \\ theme', path)
    assert load_config(path).theme == 'my "dark" \\ theme'
