"""BPS and Kemendagri area codes, always as zero-padded strings.

BPS: kelurahan 10 digits (2 provinsi, 2 kabupaten, 3 kecamatan, 3 desa), SLS 14 digits
(kelurahan + 4), sub-SLS 16. Kemendagri writes ``36.71.01.1001``: 2, 2, 2 and 4 digits, so its
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
    """Split 14- or 16-digit SLS codes into ``kelurahan_code``, ``rw`` and ``rt``.

    Without an SLS table that says otherwise, the four digits after the kelurahan are read as
    two digits of RW and two of RT (``3671011001`` + ``01`` + ``03``: RW 001, RT 003); a 16th
    and 15th digit (sub-SLS) are ignored. Codes of another length give ``<NA>``.

    Examples
    --------
    >>> split_sls(pd.Series(["36710110010103", "3671011001010300", "123"])).values.tolist()
    [['3671011001', '001', '003'], ['3671011001', '001', '003'], [<NA>, <NA>, <NA>]]
    """
    code = clean_code(sls_code)
    ok = code.str.len().isin([14, 16]) & code.str.fullmatch(r"\d+").fillna(False)
    code = code.where(ok)
    return pd.DataFrame(
        {
            "kelurahan_code": code.str.slice(0, 10),
            "rw": "0" + code.str.slice(10, 12),
            "rt": "0" + code.str.slice(12, 14),
        },
        index=sls_code.index,
    )


def rt_code(kelurahan_code, rw, rt) -> pd.Series:
    """Return the unit code of an RT: kelurahan, RW and RT digits joined (16 digits)."""
    return kelurahan_code + rw + rt
