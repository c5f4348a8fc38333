"""Area codes that a file gives in parts (``kdprov``, ``kdkab``, ``kdkec``, ``kddesa``, ...).

BPS master files and SLS layers split the codes: ``kdprov`` (2 digits), ``kdkab`` (2),
``kdkec`` (3), ``kddesa`` (3), ``kdsls`` (4), ``kdsubsls`` (2); prelists may write "Kode
Prov", "Kode Kab", "Kode Kec", "Kode Desa". Takes a frame's columns (and, when there are
rows, their values) with the columns already found, and returns the codes' rules: a rule is
the part columns joined by ``+`` (``kdprov+kdkab+kdkec+kddesa``), found in place of a column,
and :func:`with_codes` adds the assembled column under that name. A 2-, 3- or 4-digit part
is never taken for a whole kelurahan or SLS code. Touches no disk, keeps no state.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from cakupan import codes
from cakupan.columns import ALIASES, simplify
from cakupan.errors import InputError

#: Each part's width and the names it goes by (compared simplified).
PARTS: dict[str, tuple[int, tuple[str, ...]]] = {
    "kdprov": (2, ("kdprov", "kode_prov", "kode_provinsi", "kd_prov", "prov_code",
                   "province_code", "idprov")),
    "kdkab": (2, ("kdkab", "kode_kab", "kode_kabupaten", "kode_kabkot", "kode_kab_kota",
                  "kd_kab", "kab_code", "idkab")),
    "kdkec": (3, ("kdkec", "kode_kec", "kode_kecamatan", "kd_kec")),
    "kddesa": (3, ("kddesa", "kode_desa", "kode_kel", "kode_kelurahan", "kd_desa", "kdkel")),
    "kdsls": (4, ("kdsls", "kode_sls", "kd_sls")),
    "kdsubsls": (2, ("kdsubsls", "kode_subsls", "kd_subsls")),
}

#: The parts each code is made of, in order; the SLS code ends in an optional ``kdsubsls``.
RULES: dict[str, tuple[str, ...]] = {
    "kecamatan_code": ("kdprov", "kdkab", "kdkec"),
    "kelurahan_code": ("kdprov", "kdkab", "kdkec", "kddesa"),
    "sls_code": ("kdprov", "kdkab", "kdkec", "kddesa", "kdsls"),
}

#: Longest part, in digits: a column of such values alone is a part, never a whole code.
_SHORT = r"\d{1,4}"


def part_columns(columns) -> dict[str, str]:
    """Return ``{part: column}`` of the parts among ``columns`` (the first of each).

    The last part of a grouped ODK/Kobo name counts too (``grp-wilayah-kdprov``).

    Examples
    --------
    >>> part_columns(["Kode Prov", "Kode Kab", "grp-wilayah-kdkec", "x"])
    {'kdprov': 'Kode Prov', 'kdkab': 'Kode Kab', 'kdkec': 'grp-wilayah-kdkec'}
    """
    names = {}
    for column in columns:
        simple = simplify(column)
        last = simplify(str(column).replace("/", "-").rsplit("-", 1)[-1])
        names.setdefault(simple, column)
        names.setdefault(last, column)
    found = {}
    for part, (_, aliases) in PARTS.items():
        for alias in aliases:
            if alias in names and names[alias] not in found.values():
                found[part] = names[alias]
                break
    return found


def is_rule(frame: pd.DataFrame, source: str) -> bool:
    """Return whether ``source`` is a rule of columns of ``frame`` rather than one column."""
    return (source not in frame.columns and "+" in str(source)
            and all(part in frame.columns for part in str(source).split("+")))


def short(frame: pd.DataFrame, column: str) -> bool:
    """Return whether every value of ``column`` is a code of 1 to 4 digits (and there is one)."""
    values = codes.clean_code(pd.Series(frame[column].dropna().unique()).astype("string"))
    values = values.dropna()
    return bool(len(values)) and bool(values.str.fullmatch(_SHORT).all())


def with_rules(frame: pd.DataFrame, found: dict[str, str], wanted, explicit: Mapping[str, str],
               path=None, section: str = "") -> dict[str, str]:
    """Return ``found`` with the codes a file gives in parts found as rules.

    When the column found is named like a part and holds short codes, or all the parts are
    present, another column of the code's aliases that is not a part wins; else a code is
    the rule of its parts. An
    SLS code is also the kelurahan code's column followed by ``kdsls``; with ``kdsubsls``
    too, the SLS code is the 16-digit sub-SLS code. A kelurahan or SLS code in a column
    named like a part (``kode_desa``) that holds short codes, found or named in the config,
    with no rule to complete it, is an error naming the file, the column, the missing parts
    and the setting.
    """
    # a column named like a part that holds whole codes (``kode_desa`` of 10 digits) is no part
    parts = {part: column for part, column in part_columns(
        [c for c in frame.columns if c not in explicit.values()]).items()
        if not _whole_codes(frame, column)}
    named = set(part_columns(frame.columns).values())
    out = dict(found)
    for name, needed in RULES.items():
        column = out.get(name)
        is_short = column in named and short(frame, column)
        if name not in wanted or (name in explicit and not is_short):
            continue
        if column is not None and column not in named:
            continue
        rule = _rule(name, parts, out)
        if not (rule or is_short):
            continue  # a column named like a part, maybe of whole codes, and nothing to add
        whole = _whole(frame, name, named, out)
        if whole is not None and name not in explicit:
            out[name] = whole
            continue
        if rule and name not in explicit:
            out[name] = "+".join(rule)
        elif name != "kecamatan_code" and is_short:
            missing = [part for part in needed if part not in parts]
            raise InputError(
                f"holds short codes (parts of {name}), not whole ones, and "
                f"{', '.join(missing) or 'the other parts'} are missing: add them, or name a "
                f'column of whole codes with [{section}] {name} = "..." in a config file',
                path=path, column=column)
    return out


def _whole_codes(frame: pd.DataFrame, column: str) -> bool:
    """Return whether ``column`` has values and they are not all short (a read header has none)."""
    return bool(frame[column].notna().any()) and not short(frame, column)


def _whole(frame: pd.DataFrame, name: str, named: set, found: Mapping[str, str]):
    """Return another column of ``name``'s aliases that no part's name or short codes claim."""
    used = set(found.values())
    for alias in ALIASES[name]:
        for column in frame.columns:
            if (column not in used and column not in named and simplify(column) == alias
                    and not short(frame, column)):
                return column
    return None


def _rule(name: str, parts: Mapping[str, str], found: Mapping[str, str]) -> list[str]:
    """Return the columns that make ``name`` (none when a part is missing)."""
    needed = RULES[name]
    if all(part in parts for part in needed):
        rule = [parts[part] for part in needed]
    elif name == "sls_code" and "kdsls" in parts and "kelurahan_code" in found:
        rule = [found["kelurahan_code"], parts["kdsls"]]
    else:
        return []
    if name == "sls_code" and "kdsubsls" in parts:
        rule.append(parts["kdsubsls"])
    return rule


def columns_read(found: Mapping[str, str]) -> set[str]:
    """Return the file columns the found columns and rules read.

    Examples
    --------
    >>> sorted(columns_read({"lon": "x", "kelurahan_code": "kdprov+kdkab+kdkec+kddesa"}))
    ['kddesa', 'kdkab', 'kdkec', 'kdprov', 'x']
    """
    return {part for source in found.values() for part in str(source).split("+")}


def with_codes(frame: pd.DataFrame, source: Mapping[str, str]) -> pd.DataFrame:
    """Return ``frame`` with a column for each rule in ``source``: its parts, padded, joined.

    Each part is cleaned (:func:`cakupan.codes.clean_code`: an Excel number ``11.0`` is
    ``11``) and zero-padded to its width; a row missing a part has no code.

    Examples
    --------
    >>> frame = pd.DataFrame({"kdprov": [36], "kdkab": ["71"], "kdkec": [11.0], "kddesa": [1]})
    >>> with_codes(frame, {"kelurahan_code": "kdprov+kdkab+kdkec+kddesa"}).iloc[0, -1]
    '3671011001'
    """
    rules = [s for s in dict.fromkeys(source.values()) if is_rule(frame, s)]
    if not rules:
        return frame
    widths = {column: PARTS[part][0] for part, column in part_columns(frame.columns).items()}
    added = {}
    for rule in rules:
        code = None
        for column in rule.split("+"):
            text = codes.clean_code(frame[column]).str.zfill(widths.get(column, 0))
            code = text if code is None else code + text
        added[rule] = code
    return frame.assign(**added)
