"""Settings: one frozen, validated object loaded from TOML.

Every threshold cakupan uses is named, with its default and what it means, in one file,
``cakupan/settings.toml``; each of its tables becomes a frozen dataclass here (``Coverage``,
``Checks``, ...). A TOML file given with ``--config`` may set any of them and may name input
columns explicitly, one table per input with ``canonical_name = "source column"``::

    [interviews]
    lon = "lokasi-Longitude"
    lat = "lokasi-Latitude"

    [coverage]
    under_ratio = 0.9

Unknown tables or keys are an error that lists the allowed ones.
"""

from __future__ import annotations

import dataclasses
import sys
from dataclasses import dataclass, field, make_dataclass
from importlib import resources
from pathlib import Path
from types import MappingProxyType

from cakupan import columns
from cakupan.errors import ConfigError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


#: Every setting with its default, as ``settings.toml`` (beside this module) lists and explains
#: them.
DEFAULTS = MappingProxyType(tomllib.loads(
    resources.files("cakupan").joinpath("settings.toml").read_text(encoding="utf-8")))


def _section(name: str, title: str):
    """Return the frozen dataclass of the table ``[name]`` of ``settings.toml``."""
    fields = [(key, type(value), field(default=value)) for key, value in DEFAULTS[name].items()]
    doc = f"The settings of ``[{name}]``, explained in ``cakupan/settings.toml``."
    return make_dataclass(title, fields, frozen=True,
                          namespace={"__doc__": doc, "__module__": __name__})


Input = _section("input", "Input")
Assign = _section("assign", "Assign")
Coverage = _section("coverage", "Coverage")
Checks = _section("checks", "Checks")
Expected = _section("expected", "Expected")
BlindSpots = _section("gaps", "BlindSpots")
Map = _section("map", "Map")

_SECTIONS = {
    "input": Input,
    "assign": Assign,
    "coverage": Coverage,
    "checks": Checks,
    "expected": Expected,
    "gaps": BlindSpots,
    "map": Map,
}
_COLUMN_SECTIONS = {
    "interviews": columns.INTERVIEWS,
    "prelist": columns.PRELIST,
    "boundaries": columns.BOUNDARIES,
    "units": columns.UNITS,
    "assignments": columns.ASSIGNMENTS,
}


def _frozen_dict(value=None):
    return field(default_factory=lambda: MappingProxyType(dict(value or {})))


@dataclass(frozen=True)
class Config:
    """All settings of one run. Build with :func:`load_config` or ``Config()`` for defaults.

    Examples
    --------
    >>> Config().coverage.under_ratio
    0.9
    >>> Config.from_dict({"coverage": {"under_ratio": 0.8}}).coverage.under_ratio
    0.8
    """

    input: Input = field(default_factory=Input)
    assign: Assign = field(default_factory=Assign)
    coverage: Coverage = field(default_factory=Coverage)
    checks: Checks = field(default_factory=Checks)
    expected: Expected = field(default_factory=Expected)
    gaps: BlindSpots = field(default_factory=BlindSpots)
    map: Map = field(default_factory=Map)
    interviews: MappingProxyType = _frozen_dict()
    prelist: MappingProxyType = _frozen_dict()
    boundaries: MappingProxyType = _frozen_dict()
    units: MappingProxyType = _frozen_dict()
    assignments: MappingProxyType = _frozen_dict()

    @classmethod
    def from_dict(cls, data: dict, path: str | None = None) -> Config:
        """Validate a parsed TOML document and return the settings it describes."""
        allowed = sorted([*_SECTIONS, *_COLUMN_SECTIONS])
        kwargs = {}
        for name, table in data.items():
            if name not in allowed:
                raise ConfigError(
                    f"unknown table [{name}]; allowed: {', '.join(allowed)}", path=path
                )
            if not isinstance(table, dict):
                raise ConfigError(f"[{name}] must be a table of settings", path=path)
            if name in _COLUMN_SECTIONS:
                kwargs[name] = MappingProxyType(_column_table(name, table, path))
            else:
                kwargs[name] = _settings_table(name, _SECTIONS[name], table, path)
        return cls(**kwargs)

    def to_dict(self) -> dict:
        """Return every setting as plain data, e.g. for the manifest."""
        out = {name: dataclasses.asdict(getattr(self, name)) for name in _SECTIONS}
        out.update({name: dict(getattr(self, name)) for name in _COLUMN_SECTIONS})
        return out


def checks_of(config: Config | Checks) -> Checks:
    """Return the interview checks' settings of a whole :class:`Config`, or the ones given.

    Examples
    --------
    >>> checks_of(Config()) == checks_of(Checks())
    True
    """
    return getattr(config, "checks", config)

def _column_table(name, table, path):
    known = _COLUMN_SECTIONS[name]
    for key, value in table.items():
        if key not in known:
            raise ConfigError(
                f"[{name}] has no column {key!r}; canonical columns: {', '.join(known)}",
                path=path,
            )
        if not isinstance(value, str):
            raise ConfigError(f"[{name}] {key} must be a column name in quotes", path=path)
    return dict(table)


def _settings_table(name, kind, table, path):
    fields = {f.name: f for f in dataclasses.fields(kind)}
    defaults = kind()
    values = {}
    for key, value in table.items():
        if key not in fields:
            raise ConfigError(
                f"[{name}] has no setting {key!r}; allowed: {', '.join(fields)}", path=path
            )
        default = getattr(defaults, key)
        if isinstance(default, float) and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if type(value) is not type(default):
            raise ConfigError(
                f"[{name}] {key} must be {type(default).__name__}, got {value!r}", path=path
            )
        values[key] = value
    return kind(**values)


def load_config(path: str | Path | None) -> Config:
    """Read settings from a TOML file; ``None`` gives the defaults."""
    if path is None:
        return Config()
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise ConfigError("file not found", path=path) from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"not valid TOML ({error})", path=path) from None
    return Config.from_dict(data, path=str(path))
