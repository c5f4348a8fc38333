"""Settings: one frozen, validated object loaded from TOML.

Every threshold cakupan uses lives here with its default; the README lists them. A TOML file
may set any of them and may name input columns explicitly, one table per input with
``canonical_name = "source column"``::

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
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from cakupan import columns
from cakupan.errors import ConfigError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


@dataclass(frozen=True)
class Input:
    """How to read the inputs beyond column names.

    Attributes
    ----------
    boundaries_layer, units_layer : str
        Layer to read from a multi-layer file (GeoPackage, KML); empty: the only layer.
    boundaries_crs, units_crs : str
        CRS to assume when a boundary file carries none (e.g. ``"EPSG:4326"``); empty: error.
    sheet : str
        Excel sheet of the interviews and prelist; empty: the first.
    """

    boundaries_layer: str = ""
    units_layer: str = ""
    boundaries_crs: str = ""
    units_crs: str = ""
    sheet: str = ""


@dataclass(frozen=True)
class Assign:
    """Point to unit assignment.

    Attributes
    ----------
    sliver_tolerance_m : float
        A point in no kelurahan (a sliver between badly matched boundaries) goes to the nearest
        one within this distance; farther, it is ``outside_area``.
    """

    sliver_tolerance_m: float = 30.0


@dataclass(frozen=True)
class Coverage:
    """Coverage status thresholds on counted / expected households.

    Attributes
    ----------
    under_ratio : float
        Below this ratio a unit is ``under``. 0.90 leaves room for the few percent a prelist
        is off by; lower it to see only the worst units.
    over_ratio : float
        Above this ratio a unit is ``over`` (more households than expected: a stale prelist,
        or interviews declared in the wrong RT).
    """

    under_ratio: float = 0.90
    over_ratio: float = 1.10


@dataclass(frozen=True)
class Checks:
    """Interview checks (thresholds from BPS field practice).

    Attributes
    ----------
    good_accuracy_m : float
        BPS's tagging app accepts fixes of this accuracy or better.
    max_accuracy_m : float
        A fix poorer than this cannot be located: ``location_check`` is ``unknown``.
    fieldwork_start, fieldwork_end : str
        ISO dates of the fieldwork window (inclusive).
    timezone : str
        Times written with a zone (ODK's ``+07:00``, ``Z``) are turned into this zone's local
        time; times without one are taken as local already.
    adjacency_m : float
        Units closer than this are adjacent (``neighbour``): digitised edges rarely meet exactly.
    duplicate_m : float
        Two interviews of one enumerator closer than this are at the same point.
    near_duplicate_m : float
        Closer than this (not the same point): a near duplicate, worth a look (GPS noise can
        bring genuine neighbours this close: about 6% of interviews where doors are 7 m apart).
    cluster_radius_m, cluster_minutes, cluster_min_households : float, float, int
        An invented cluster: at least this many interviews of one enumerator within this radius
        of one of them and this many minutes either side of it.
    cluster_reach_m : float
        Interviews this close to a cluster's centre, in its time span, join it (GPS scatter).
    spot_radius_m, spot_min_days : float, int
        Also an invented cluster: ``cluster_min_households`` interviews of one enumerator within
        this radius of one of them, on at least this many days (a "kitchen table" made up day
        after day; genuine neighbours are visited within a day or two).
    detour_m : float
        An interview farther than this from both the previous and next interviews of its
        enumerator, while those two are close together, is a ``route_detour``.
    max_speed_kmh : float
        Straight-line speed between consecutive interviews beyond which travel is implausible.
        The time between two interviews includes the interview itself (15 minutes or more),
        so even a motorbike's 40-60 km/h in city traffic averages well below 30.
    min_gap_minutes : float
        Shorter time gaps (minute-rounded clocks, batch syncs) are taken as this long.
    night_start_hour, night_end_hour : int
        Interviews from ``night_start_hour``:00 until ``night_end_hour``:00 are at night.
    pace_window_days : int
        The current pace is the mean daily count over this many days up to ``as_of``.
    stalled_days, stalled_pace_share : int, float
        A unit is stalled when, over the last ``stalled_days`` days, it counted less than this
        share of its planned daily pace (expected / fieldwork days) and households remain.
    """

    good_accuracy_m: float = 20.0
    max_accuracy_m: float = 50.0
    fieldwork_start: str = "2022-10-15"
    fieldwork_end: str = "2022-11-14"
    timezone: str = "Asia/Jakarta"
    adjacency_m: float = 5.0
    duplicate_m: float = 0.1
    near_duplicate_m: float = 1.0
    cluster_radius_m: float = 9.0
    cluster_minutes: float = 90.0
    cluster_min_households: int = 9
    cluster_reach_m: float = 13.0
    spot_radius_m: float = 4.0
    spot_min_days: int = 3
    detour_m: float = 1000.0
    max_speed_kmh: float = 30.0
    min_gap_minutes: float = 1.0
    night_start_hour: int = 21
    night_end_hour: int = 6
    pace_window_days: int = 7
    stalled_days: int = 3
    stalled_pace_share: float = 0.25


@dataclass(frozen=True)
class Expected:
    """Expected households from independent sources.

    Attributes
    ----------
    household_size : float
        Persons per household, to turn a population raster into households (Kota Tangerang
        2020: 3.8).
    households_per_building : float
        Households in one residential building footprint (one house, one household).
    min_building_area_m2 : float
        Footprints smaller than this (sheds, kiosks, slivers) are not counted as homes.
    disagreement_share : float
        A unit is flagged when its raster and building counts (scaled to the prelist's total
        in its kelurahan) both differ from its prelist by more than this share, the same way.
    """

    household_size: float = 3.8
    households_per_building: float = 1.0
    min_building_area_m2: float = 20.0
    disagreement_share: float = 0.2


@dataclass(frozen=True)
class Gaps:
    """Blind spots: populated places with no interview nearby.

    Attributes
    ----------
    distance_m : float
        A place farther than this from every counted interview is a blind spot.
    min_households : float
        Blind-spot areas with fewer estimated households than this are not reported.
    merge_distance_m : float
        Blind-spot pieces (cells, buildings) this close to each other form one area.
    """

    distance_m: float = 100.0
    min_households: float = 5.0
    merge_distance_m: float = 50.0


@dataclass(frozen=True)
class Map:
    """Map rendering.

    Attributes
    ----------
    simplify_m : float
        Tolerance of the shared-edge simplification of polygons, in metres.
    """

    simplify_m: float = 5.0


_SECTIONS = {
    "input": Input,
    "assign": Assign,
    "coverage": Coverage,
    "checks": Checks,
    "expected": Expected,
    "gaps": Gaps,
    "map": Map,
}
_COLUMN_SECTIONS = {
    "interviews": columns.INTERVIEWS,
    "prelist": columns.PRELIST,
    "boundaries": columns.BOUNDARIES,
    "units": columns.UNITS,
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
    gaps: Gaps = field(default_factory=Gaps)
    map: Map = field(default_factory=Map)
    interviews: MappingProxyType = _frozen_dict()
    prelist: MappingProxyType = _frozen_dict()
    boundaries: MappingProxyType = _frozen_dict()
    units: MappingProxyType = _frozen_dict()

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
