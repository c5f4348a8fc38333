"""Numbers, percentages, dates, areas and coded words as people read them, per language.

The one formatting path of every human-facing output: the report, the map (whose script
formats with :func:`page_format`, the same rules and Babel's symbols), the command line's
messages and, where it asks, the worklist. Built on Babel's CLDR data for ``id`` (Bahasa
Indonesia, ``id_ID``) and ``en`` (``en_GB``: day month year, as Indonesia writes dates). Takes
values and returns text; never computes a figure, reads or writes anything.

Decisions:

- Households are shown as whole numbers (:func:`households`): expected counts from rasters or
  buildings carry fractions that nobody can visit; the exact values stay in ``coverage.csv``.
- Percentages keep one decimal, areas two (hectares), other numbers none unless asked.
- A missing value is shown as an en dash.
- A code (a status, flag, reason, location check or source, snake_case) is shown in words
  (:func:`word`); one the tables do not know loses its underscores, so none shows raw.

Examples
--------
>>> number(463001, "id"), number(463001, "en"), percent(0.9243, "id"), percent(0.9243, "en")
('463.001', '463,001', '92,4%', '92.4%')
>>> households(3178.8, "id"), hectares(10.99, "id"), date("2022-11-14", "id")
('3.179', '10,99 ha', '14 November 2022')
"""

from __future__ import annotations

import math
from datetime import timedelta
from functools import cache

import pandas as pd
from babel import Locale
from babel.dates import format_date, format_datetime, format_timedelta
from babel.numbers import format_decimal, format_percent

from cakupan.labels import labels

#: Babel locale of each language of the outputs.
LOCALES = {"id": "id_ID", "en": "en_GB"}
MISSING = "–"


@cache
def locale(lang: str) -> Locale:
    """Return the Babel locale of ``lang`` (``id`` or ``en``)."""
    if lang not in LOCALES:
        raise ValueError(f"lang must be one of {', '.join(LOCALES)}, not {lang!r}")
    return Locale.parse(LOCALES[lang])


def _missing(value) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    try:
        return math.isnan(value)
    except TypeError:
        return False


def number(value, lang: str = "id", decimals: int = 0) -> str:
    """Return ``value`` with the language's grouping and decimal signs, ``decimals`` places."""
    if _missing(value):
        return MISSING
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    return format_decimal(value, format=pattern, locale=locale(lang))


def households(value, lang: str = "id") -> str:
    """Return a number of households as a whole number (rounded half to even)."""
    return number(value, lang, 0)


def percent(ratio, lang: str = "id", decimals: int = 1) -> str:
    """Return a ratio (0.924) as a percentage ("92,4%") in the language's pattern."""
    if _missing(ratio):
        return MISSING
    pattern = _percent_pattern(lang).replace("0%", "0" + ("." + "0" * decimals
                                                           if decimals else "") + "%")
    return format_percent(ratio, format=pattern, locale=locale(lang))


@cache
def _percent_pattern(lang: str) -> str:
    return locale(lang).percent_formats[None].pattern.split(";")[0]


def hectares(value, lang: str = "id") -> str:
    """Return an area in hectares, two decimals, with its unit."""
    if _missing(value):
        return MISSING
    return f"{number(value, lang, 2)} ha"


def date(value, lang: str = "id") -> str:
    """Return a day as the language writes it in full ("14 November 2022")."""
    if _missing(value):
        return MISSING
    return format_date(pd.Timestamp(value).date(), "long", locale=locale(lang))


def moment(value, lang: str = "id") -> str:
    """Return a day and time to the minute ("14 Nov 2022 17.05")."""
    if _missing(value):
        return MISSING
    stamp = pd.Timestamp(value).to_pydatetime().replace(tzinfo=None)
    return format_datetime(stamp, "d MMM y " + _time_pattern(lang), locale=locale(lang))


def clock(value, lang: str = "id") -> str:
    """Return the time of day to the minute ("17.05" in Bahasa Indonesia, "17:05" in English)."""
    if _missing(value):
        return MISSING
    stamp = pd.Timestamp(value).to_pydatetime().replace(tzinfo=None)
    return format_datetime(stamp, _time_pattern(lang), locale=locale(lang))


@cache
def _time_pattern(lang: str) -> str:
    return locale(lang).time_formats["short"].pattern


def interval(minutes, lang: str = "id") -> str:
    """Return a time between two events in its largest whole unit ("7 jam", "3 weeks").

    Under an hour it stays in minutes ("52 menit"); Babel's words and rounding above.

    Examples
    --------
    >>> interval(52, "id"), interval(434, "id"), interval(31098, "en"), interval(0, "en")
    ('52 menit', '7 jam', '3 weeks', '0 minutes')
    """
    if _missing(minutes):
        return MISSING
    return format_timedelta(timedelta(minutes=float(minutes)), threshold=1,
                            granularity="minute", locale=locale(lang))


def texts(values, how, lang: str = "id", **options) -> pd.Series:
    """Return ``how(value, lang, **options)`` for every value of a Series.

    Each distinct value is formatted once and the results mapped back: household counts and
    days repeat over thousands of rows.
    """
    values = pd.Series(values)
    distinct = pd.unique(values.to_numpy(dtype=object))
    shown = {value: how(value, lang, **options) for value in distinct if not _missing(value)}
    return values.map(shown).astype(object).where(values.notna(), MISSING)


def word(code, lang: str = "id") -> str:
    """Return a coded value in words: a status, flag, reason, location check or source.

    Looks in the ``value`` words, then the page's; a source list (``buildings;prelist``) is
    said part by part; an unknown code loses its underscores.

    Examples
    --------
    >>> word("no_coordinates", "en"), word("buildings;prelist", "id"), word("odd_one", "en")
    ('no coordinates', 'bangunan, prelist', 'odd one')
    """
    if _missing(code) or code == "":
        return MISSING
    code = str(code)
    if ";" in code:
        return ", ".join(word(part, lang) for part in code.split(";") if part)
    table = labels(lang)
    for section in ("value", "page"):
        if code in table.get(section, {}):
            return table[section][code]
    return code.replace("_", " ")


def status_word(status, lang: str = "id") -> str:
    """Return a status as the legend names it (capitalised), any status."""
    page = labels(lang)["page"]
    if status in page:
        return page[status]
    said = word(status, lang)
    return said[:1].upper() + said[1:]


@cache
def page_format(lang: str = "id") -> dict:
    """Return what the map's script needs to format as :func:`number` and :func:`percent` do.

    Babel's grouping and decimal signs and the text around a percentage (``{}`` stands for
    the number).

    Examples
    --------
    >>> page_format("id")
    {'group': '.', 'decimal': ',', 'percent': '{}%'}
    """
    symbols = locale(lang).number_symbols["latn"]
    sample = percent(0.5, lang, 0)
    return {"group": symbols["group"], "decimal": symbols["decimal"],
            "percent": sample.replace("50", "{}", 1)}


def fill(template: str, fields: dict, index=None) -> pd.Series:
    """Fill the ``{name}`` fields of a template from Series of texts, one row per index entry.

    Vectorised: each field's Series is taken by position (``index``: the result's index, by
    default the first field's). Used for every reason, task and evidence the outputs say.

    Examples
    --------
    >>> fill("RT {rt}: {n} ruta", {"rt": pd.Series(["001", "002"]), "n": pd.Series(["3", "4"])})
    0    RT 001: 3 ruta
    1    RT 002: 4 ruta
    dtype: string
    """
    if index is None:
        index = next(iter(fields.values())).index
    out = pd.Series("", index=index, dtype="string")
    rest = template
    while "{" in rest:
        head, _, tail = rest.partition("{")
        name, _, rest = tail.partition("}")
        out = out + head + pd.Series(pd.Series(fields[name]).astype("string").to_numpy(),
                                     index=index, dtype="string")
    return out + rest
