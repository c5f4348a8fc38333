"""BPS and Kemendagri area codes, always as zero-padded strings.

BPS: kelurahan 10 digits (2 provinsi, 2 kabupaten, 3 kecamatan, 3 desa), SLS 14 digits
(kelurahan + ``kdsls``, 4 digits numbering the SLS within its desa: not RW and RT), sub-SLS 16
(+ ``kdsubsls``, 2). cakupan's own ``sls_code`` column is read another way: 14 digits are
kelurahan + RW (2) + RT (2), 16 digits kelurahan + RW (3) + RT (3), the RT code cakupan writes
(:func:`split_sls`); a code from a column named as BPS names it is read by BPS's rule
(:func:`bps_sls`). Kemendagri writes ``36.71.01.1001``: 2, 2, 2 and 4 digits, so its
kecamatan is the first six digits, not seven. The two systems number kecamatan and desa
differently; never assume a code of one is a code of the other.
"""

from __future__ import annotations

import pandas as pd

_MISSING = {"", "nan", "none", "null", "na", "<na>", "-"}


def clean_code(values: pd.Series) -> pd.Series:
    """Return codes as digit strings: dots, spaces and a float's ``.0`` removed.

    Missing or empty values become ``<NA>``.

    Examples
    --------
    >>> clean_code(pd.Series(["36.71.01.1001", 3671011001.0, " 3671 ", None])).tolist()
    ['3671011001', '3671011001', '3671', <NA>]
    """
    text = values.astype("string").str.strip()
    # fast path: codes already plain digits (the usual export) need none of the regexes below,
    # which pandas runs row by row in Python
    if (text.isna() | text.str.fullmatch(r"\d+").fillna(False)).all():
        return text
    text = text.str.replace(r"\.0$", "", regex=True)
    text = text.str.replace(r"[.\s\-/]", "", regex=True)
    return text.mask(text.str.lower().isin(_MISSING))


def pad_number(values: pd.Series, width: int = 3) -> pd.Series:
    """Return RW/RT labels as zero-padded digit strings (``'RT 3'`` -> ``'003'``).

    A label with no digits becomes ``<NA>``.

    Examples
    --------
    >>> pad_number(pd.Series(["RT 001", "3", 7.0, "RW 12", "x", None])).tolist()
    ['001', '003', '007', '012', <NA>, <NA>]
    """
    text = values.astype("string").str.replace(r"\.0$", "", regex=True)
    digits = text.str.extract(r"(\d+)", expand=False)
    number = pd.to_numeric(digits, errors="coerce")
    out = number.astype("Int64").astype("string").str.zfill(width)
    return out.mask(number.isna())


def kecamatan_of(kelurahan_code: pd.Series, dotted: pd.Series | None = None) -> pd.Series:
    """Return the kecamatan code of each kelurahan code.

    Dotted Kemendagri codes give their first three parts (six digits); plain 10-digit codes are
    read as BPS codes, whose kecamatan is the first seven digits.

    Examples
    --------
    >>> kecamatan_of(pd.Series(["3671011001"]), pd.Series(["36.71.01.1001"])).tolist()
    ['367101']
    >>> kecamatan_of(pd.Series(["3671010001"])).tolist()
    ['3671010']
    """
    bps = kelurahan_code.str.slice(0, 7)
    if dotted is None:
        return bps
    text = dotted.astype("string")
    is_dotted = text.str.count(r"\.").fillna(0) >= 3
    kemendagri = text.str.split(".").str[:3].str.join("")
    return kemendagri.where(is_dotted, bps)


def split_sls(sls_code: pd.Series) -> pd.DataFrame:
    """Split cakupan's own 14- or 16-digit SLS codes into ``kelurahan_code``, ``rw`` and ``rt``.

    The rule of the canonical ``sls_code`` column (not of BPS's ``idsls``, see
    :func:`bps_sls`): 14 digits are kelurahan + two digits of RW + two of RT
    (``3671011001`` + ``01`` + ``03``: RW 001, RT 003); 16 digits are kelurahan + three
    digits of RW + three of RT, the RT code of ``coverage.csv`` (:func:`rt_code`). Codes of
    another length give ``<NA>``.

    Examples
    --------
    >>> split_sls(pd.Series(["36710110010103", "3671011001001003", "123"])).values.tolist()
    [['3671011001', '001', '003'], ['3671011001', '001', '003'], [<NA>, <NA>, <NA>]]
    """
    code = clean_code(sls_code)
    length = code.str.len()
    ok = length.isin([14, 16]) & code.str.fullmatch(r"\d+").fillna(False)
    code = code.where(ok)
    long = (length == 16).fillna(False)
    return pd.DataFrame(
        {
            "kelurahan_code": code.str.slice(0, 10),
            "rw": ("0" + code.str.slice(10, 12)).mask(long, code.str.slice(10, 13)),
            "rt": ("0" + code.str.slice(12, 14)).mask(long, code.str.slice(13, 16)),
        },
        index=sls_code.index,
    )


#: Names of the columns (simplified; or the last part of a grouped ODK/Kobo name) whose SLS
#: codes follow BPS's rule (:func:`bps_sls`).
BPS_SLS_COLUMNS = ("idsls", "id_sls", "idsubsls", "id_subsls", "kode_sls", "kdsls", "kd_sls")


def bps_sls(sls_code: pd.Series) -> pd.DataFrame:
    """Return BPS SLS codes cleaned, their kelurahan code, and no RW or RT.

    ``idsls`` is the desa's 10 digits + ``kdsls`` (4), ``idsubsls`` adds ``kdsubsls`` (2);
    ``kdsls`` numbers the SLS within its desa, so the digits say nothing of RW and RT
    (``61010200150052`` is "RT 004 RW 012 DUSUN SINAM"). Codes of another length give
    ``<NA>`` throughout.

    Examples
    --------
    >>> bps_sls(pd.Series(["61010200150052", "6101020015005201", "12"])).values.tolist()
    [['61010200150052', '6101020015', <NA>, <NA>], ['6101020015005201', '6101020015', <NA>, \
<NA>], [<NA>, <NA>, <NA>, <NA>]]
    """
    code = clean_code(sls_code)
    ok = code.str.len().isin([14, 16]) & code.str.fullmatch(r"\d+").fillna(False)
    code = code.where(ok)
    none = pd.Series(pd.NA, index=sls_code.index, dtype="string")
    return pd.DataFrame({"sls_code": code, "kelurahan_code": code.str.slice(0, 10),
                         "rw": none, "rt": none}, index=sls_code.index)


def rw_rt_in_name(names: pd.Series) -> pd.DataFrame:
    """Return the ``rw`` and ``rt`` an SLS name states (``RT 004 RW 012``), 3-digit text.

    BPS names SLS ``RT 004 RW 012``, ``RT 4 DUSUN 2``, ``RW 03``, or by a dusun, lingkungan,
    kampung or housing block (``DUSUN KRAJAN``, ``PERUM INDAH BLOK C``), which state neither.
    Only a number after ``RT`` or ``RW`` counts; what a name does not state is ``<NA>``.

    Examples
    --------
    >>> rw_rt_in_name(pd.Series(["RT 004 RW 012 DUSUN SINAM", "RT 4 DUSUN 2", "RW 03",
    ...                          "rt.07/rw.02", "PERUM INDAH BLOK C", None])).values.tolist()
    [['012', '004'], [<NA>, '004'], ['003', <NA>], ['002', '007'], [<NA>, <NA>], [<NA>, <NA>]]
    """
    text = names.astype("string")
    found = {name: text.str.extract(rf"(?i)(?<![A-Z]){name}\s*[.:\-]?\s*(\d{{1,3}})(?!\d)",
                                    expand=False)
             for name in ("rw", "rt")}
    return pd.DataFrame({name: pad_number(value) for name, value in found.items()},
                        index=names.index)


def own_unit(frame: pd.DataFrame, sls_code: pd.Series, whole: bool = False) -> pd.DataFrame:
    """Return ``frame`` with RW and RT for BPS SLS whose RW or RT is not known.

    Rules
    -----
    - An SLS whose RT is not known is a unit of its own: RT is its 4-digit ``kdsls``
      (digits 11-14 of ``idsls``), which no 3-digit RT label can equal, and RW ``000``
      unless it is known (an SLS named ``RW 03``).
    - An SLS whose RT is known but not its RW (``RT 4 DUSUN 2``) is in RW ``000``; in a
      ``whole`` table (an SLS layer), when another SLS of its desa has the same RT and no RW
      (``RT 4 DUSUN 3``), each of them is a unit of its own instead.
    Rows without a 14- or 16-digit code are left as they are.

    Examples
    --------
    >>> frame = pd.DataFrame({"rw": [pd.NA, "003", pd.NA], "rt": [pd.NA, pd.NA, "004"]},
    ...                      dtype="string")
    >>> own_unit(frame, pd.Series(["61010200150052", "6101020015000301", "x"])).values.tolist()
    [['000', '0052'], ['003', '0003'], [<NA>, '004']]
    """
    code = clean_code(sls_code)
    bps = (code.str.len().isin([14, 16]) & code.str.fullmatch(r"\d+")).fillna(False)
    out = frame.copy()
    if whole:
        alone = bps & out["rt"].notna() & out["rw"].isna()
        pairs = pd.DataFrame({"desa": code.str.slice(0, 10), "rt": out["rt"],
                              "sls": code.str.slice(0, 14)})[alone.to_numpy()]
        shared = pairs.groupby(["desa", "rt"])["sls"].transform("nunique") > 1
        out.loc[shared[shared].index, "rt"] = pd.NA
    no_rt = bps & out["rt"].isna()
    out["rt"] = out["rt"].mask(no_rt, code.str.slice(10, 14))
    out["rw"] = out["rw"].mask(bps & out["rw"].isna(), "000")
    return out


def rt_code(kelurahan_code, rw, rt) -> pd.Series:
    """Return the unit code of an RT: kelurahan, RW and RT digits joined (16 digits)."""
    return kelurahan_code + rw + rt
