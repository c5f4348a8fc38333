"""Tables of interviews and prelists: CSV, Excel, Parquet, and point layers."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pandas as pd
import shapely

from ..columns import ALIASES, simplify
from ..errors import InputError, InputFileError
from .vector import read_vector

_EXCEL = (".xlsx", ".xlsm", ".xls")
_VECTOR = (".geojson", ".json", ".gpkg", ".shp", ".zip", ".kml", ".kmz", ".fgb")
_KNOWN_HEADERS = {alias for aliases in ALIASES.values() for alias in aliases}


def read_table(path, sheet: str = "") -> pd.DataFrame:
    """Read a table of interviews or prelist rows, every value as text.

    Parameters
    ----------
    path : str or Path
        CSV (any delimiter, UTF-8 with or without BOM, or Windows-1252), Excel (the header row
        is found below any title rows), Parquet, or a point layer GDAL reads (GeoJSON,
        GeoPackage, ...), whose points become ``lon`` and ``lat`` columns.
    sheet : str
        Excel sheet; empty: the first.

    Returns
    -------
    DataFrame
        The file's columns as strings and ``source_row``: the row number a person sees when
        opening the file (spreadsheet row for CSV and Excel, header = 1; feature or record
        number for other formats).
    """
    path = Path(path)
    if not path.is_file():
        raise InputFileError("file not found; check the path", path=path)
    if path.stat().st_size == 0:
        raise InputError("is empty", path=path)
    suffix = path.suffix.lower()
    if suffix in _EXCEL:
        frame = _read_excel(path, sheet)
    elif suffix in (".parquet", ".pq"):
        frame = _read_parquet(path)
    elif suffix in _VECTOR:
        frame = _read_points(path)
    else:
        frame = _read_csv(path)
    if len(frame) == 0:
        raise InputError("has a header but no rows", path=path)
    return frame


def _read_csv(path: Path) -> pd.DataFrame:
    encoding = _encoding(path)
    with open(path, encoding=encoding, newline="") as handle:
        sample = handle.read(20000)
    try:
        delimiter = csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
    except csv.Error:
        delimiter = ","
    header = next(csv.reader(io.StringIO(sample), delimiter=delimiter), [])
    if not header:
        raise InputError("is empty", path=path)
    names = _unique(header)
    try:
        table = pacsv.read_csv(
            path,
            read_options=pacsv.ReadOptions(column_names=names, skip_rows=1,
                                           encoding="utf8" if encoding == "utf-8-sig" else encoding),
            parse_options=pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(column_types={n: pa.string() for n in names},
                                                 strings_can_be_null=False),
        )
    except pa.ArrowInvalid as error:
        raise InputError(f"is not a readable CSV table ({_arrow_message(error)})",
                         path=path) from None
    frame = table.to_pandas(types_mapper={pa.string(): pd.StringDtype()}.get)
    if encoding == "utf-8-sig" and len(frame.columns):
        frame = frame.rename(columns={frame.columns[0]: frame.columns[0].lstrip("\ufeff")})
    frame.insert(0, "source_row", np.arange(2, len(frame) + 2))
    values = frame.drop(columns="source_row")
    blank = (values.isna() | values.apply(lambda c: c.str.strip().eq(""))).all(axis=1)
    return frame[~blank].reset_index(drop=True)


def _encoding(path: Path) -> str:
    """Return UTF-8 (with or without BOM) when the file decodes as such, else Windows-1252."""
    with open(path, "rb") as handle:
        head = handle.read(1 << 20)
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        if error.start < len(head) - 4:  # not just a character cut at the block's end
            return "cp1252"
    return "utf-8-sig"


def _unique(header: list[str]) -> list[str]:
    """Return header names made unique (``a``, ``a.1``) and non-empty."""
    seen: dict[str, int] = {}
    names = []
    for i, name in enumerate(header):
        name = name.strip() or f"column_{i + 1}"
        if name in seen:
            seen[name] += 1
            name = f"{name}.{seen[name]}"
        else:
            seen[name] = 0
        names.append(name)
    return names


def _arrow_message(error: Exception) -> str:
    text = str(error).strip().splitlines()[0]
    return text.replace("CSV parse error: ", "")


def _read_excel(path: Path, sheet: str) -> pd.DataFrame:
    try:
        raw = pd.read_excel(path, sheet_name=sheet or 0, header=None, dtype=object)
    except ValueError as error:
        raise InputError(f"cannot read sheet ({error})", path=path) from None
    except Exception as error:
        raise InputFileError(f"is not a readable Excel file ({error})", path=path) from None
    header_at = _find_header(raw)
    header = [
        str(v).strip() if pd.notna(v) else f"column_{i + 1}"
        for i, v in enumerate(raw.iloc[header_at])
    ]
    body = raw.iloc[header_at + 1 :]
    frame = pd.DataFrame(body.to_numpy(), columns=header).map(_excel_text).astype("string")
    frame.insert(0, "source_row", body.index.to_numpy() + 1)
    empty = frame.drop(columns="source_row").isna().all(axis=1)
    return frame[~empty].reset_index(drop=True)


def _find_header(raw: pd.DataFrame) -> int:
    """Return the first of the top rows whose cells look most like known column names."""
    best, best_score = 0, -1
    for i in range(min(len(raw), 20)):
        cells = [simplify(v) for v in raw.iloc[i] if pd.notna(v) and str(v).strip()]
        score = sum(c in _KNOWN_HEADERS for c in cells) * 10 + len(cells)
        if len(cells) >= 2 and score > best_score:
            best, best_score = i, score
    return best


def _excel_text(value):
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return pd.NA
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    return str(value)


def _read_parquet(path: Path) -> pd.DataFrame:
    try:
        frame = pd.read_parquet(path)
    except Exception as error:
        raise InputFileError(f"is not a readable Parquet file ({error})", path=path) from None
    if "geometry" in frame.columns:
        frame = frame.drop(columns="geometry")
    frame = frame.astype("string")
    frame.insert(0, "source_row", np.arange(1, len(frame) + 1))
    return frame


def _read_points(path: Path) -> pd.DataFrame:
    layer = read_vector(path, crs="EPSG:4326").to_crs("EPSG:4326")
    geometry = layer.geometry.to_numpy()
    frame = pd.DataFrame(layer.drop(columns="geometry"))
    is_point = shapely.get_type_id(geometry) == 0
    for name, values in (("lon", shapely.get_x(geometry)), ("lat", shapely.get_y(geometry))):
        frame[name] = pd.Series(np.where(is_point, values, np.nan), index=frame.index).astype(
            "string"
        )
    return frame.reset_index(drop=True)
