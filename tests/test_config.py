"""Settings from TOML: defaults, validation, one-line errors."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cakupan.config import DEFAULTS, Config, load_config
from cakupan.errors import ConfigError

ROOT = Path(__file__).resolve().parents[1]


def test_defaults_and_overrides(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text('[coverage]\nunder_ratio = 0.8\n[interviews]\nlon = "bujur_x"\n')
    config = load_config(path)
    assert config.coverage.under_ratio == 0.8
    assert config.coverage.over_ratio == Config().coverage.over_ratio
    assert config.interviews["lon"] == "bujur_x"
    assert load_config(None) == Config()


@pytest.mark.parametrize("text, message", [
    ("[cover]\nx = 1\n", "unknown table [cover]; allowed:"),
    ("[coverage]\nunder = 1\n", "has no setting 'under'; allowed: under_ratio, over_ratio"),
    ("[coverage]\nunder_ratio = 'tinggi'\n", "under_ratio must be float"),
    ("[interviews]\nlongitude = 'x'\n", "has no column 'longitude'"),
    ("[interviews]\nlon = 3\n", "must be a column name in quotes"),
    ("coverage = 1\n", "must be a table"),
    ("[coverage\n", "not valid TOML"),
])
def test_bad_settings_name_the_fix(tmp_path, text, message):
    path = tmp_path / "c.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=message.replace("[", r"\[").replace("(", r"\(")) as e:
        load_config(path)
    assert str(e.value).startswith(str(path))
    assert "\n" not in str(e.value)


def test_config_is_frozen():
    with pytest.raises(AttributeError):
        Config().coverage.under_ratio = 0.5
    with pytest.raises(TypeError):
        Config().interviews["lon"] = "x"


def test_missing_config_file(tmp_path):
    with pytest.raises(ConfigError, match="file not found"):
        load_config(tmp_path / "none.toml")


def test_every_setting_is_explained_and_documented():
    lines = (ROOT / "cakupan" / "settings.toml").read_text(encoding="utf-8").splitlines()
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    settings = readme[readme.index("### Settings"):readme.index("## Maps and reports")]
    explained, table = set(), None
    for number, line in enumerate(lines):
        if line.startswith("["):
            table = line.strip("[]")
        elif " = " in line and not line.startswith("#"):
            above = next(text for text in reversed(lines[:number]) if " = " not in text
                         or text.startswith("#"))  # a group of keys shares one comment
            if above.startswith("#"):
                explained.add((table, line.split(" = ")[0]))
    for table, values in DEFAULTS.items():
        for key in values:
            assert (table, key) in explained, f"[{table}] {key} has no comment in settings.toml"
            if table != "input":  # explained under "Input files"
                assert re.search(rf"\b{key}\b", settings), f"[{table}] {key} not in the README"
    assert Config().to_dict()["checks"] == dict(DEFAULTS["checks"])
