"""Write: every output file of a run, each written under a temporary name and then renamed.

Only this module and :mod:`cakupan.read` touch the disk. An interrupted run leaves no half
file behind, and the same inputs give the same bytes (apart from the manifest's time stamp).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import platform
import re
from datetime import datetime, timezone
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyogrio

from cakupan import __version__, _processes
from cakupan.config import Config
from cakupan.measure import topology
from cakupan.render import maps, report

#: The columns of interviews.csv, in order; never any coordinates or personal data.
INTERVIEW_COLUMNS = (
    "source_row", "interview_id", "status", "location_check", "kelurahan_code", "rw", "rt",
    "flags", "doubtful", "repairs", "declared_kelurahan_code", "location_kelurahan_code",
    "location_rw", "location_rt", "enumerator_id", "supervisor_id",
)
#: Columns left out for the planner audience.
SUPERVISOR_ONLY = ("enumerator_id", "supervisor_id")
# GeoPackage stores a change date; a fixed one keeps reruns byte-identical.
pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": "2000-01-01T00:00:00.000Z"})


@contextlib.contextmanager
def atomic(path: Path):
    """Yield a temporary path beside ``path``; rename it to ``path`` when the block succeeds."""
    path = Path(path)
    tmp = path.with_name(f".{path.stem}.part{path.suffix}")
    tmp.unlink(missing_ok=True)
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def write_text(path: Path, text: str) -> None:
    """Write UTF-8 text atomically."""
    with atomic(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


def write_csv(path: Path, rows) -> None:
    r"""Write a CSV atomically, with LF line ends.

    ``rows``: a frame, or frames of consecutive rows with the same columns. The bytes are
    those of ``frame.to_csv(index=False, lineterminator="\n")`` (except that a value
    holding a carriage return is quoted), built a million rows at a time in Arrow: pandas'
    writer takes minutes for millions of rows.
    """
    frames = _slices(rows) if isinstance(rows, pd.DataFrame) else rows
    with atomic(path) as tmp, open(tmp, "wb") as handle:
        for number, frame in enumerate(frames):
            if not all(map(_fast_dtype, frame.dtypes)):
                handle.write(frame.to_csv(index=False, header=number == 0,
                                          lineterminator="\n").encode("utf-8"))
                continue
            if number == 0:
                header = ",".join(_quote_text(str(name)) for name in frame.columns) + "\n"
                handle.write(header.encode("utf-8"))
            if len(frame):
                cells = [_csv_cells(frame[name]) for name in frame.columns]
                lines = pc.binary_join_element_wise(*cells, ",")
                handle.write(_text_bytes(pc.binary_join_element_wise(lines, "\n", "")))


def _slices(frame: pd.DataFrame):
    """Yield ``frame`` a million rows at a time (once when it is empty)."""
    for start in range(0, max(len(frame), 1), _CSV_ROWS):
        yield frame.iloc[start:start + _CSV_ROWS]


_CSV_ROWS = 1 << 20


def _fast_dtype(dtype) -> bool:
    return (pd.api.types.is_bool_dtype(dtype) or pd.api.types.is_integer_dtype(dtype)
            or (pd.api.types.is_float_dtype(dtype) and dtype.itemsize == 8)
            or isinstance(dtype, (pd.StringDtype, pd.CategoricalDtype)))


def _quote_text(text: str) -> str:
    return '"' + text.replace('"', '""') + '"' if re.search(r'[",\r\n]', text) else text


def _csv_cells(values: pd.Series) -> pa.Array:
    """Return one column as CSV cells: text as pandas writes it, quoted where needed."""
    missing = values.isna().to_numpy()
    if pd.api.types.is_bool_dtype(values.dtype):
        text = pa.array(np.where(values.fillna(False).to_numpy(dtype=bool), "True", "False"),
                        mask=missing)
    elif pd.api.types.is_integer_dtype(values.dtype) or isinstance(
            values.dtype, (pd.StringDtype, pd.CategoricalDtype)):
        text = pc.cast(pa.array(values, from_pandas=True), pa.string())
    else:  # floats: Python's str, as pandas writes them
        text = pa.array(values.astype(object).map(str).to_numpy(), type=pa.string(),
                        mask=missing)
    if _has_special(text):  # rare: one scan of the column's bytes says whether to look
        special = [pc.match_substring(text, mark) for mark in (",", '"', "\n", "\r")]
        needs = pc.or_(pc.or_(special[0], special[1]), pc.or_(special[2], special[3]))
        quoted = pc.binary_join_element_wise('"', pc.replace_substring(text, '"', '""'), '"', "")
        text = pc.if_else(needs, quoted, text)
    return pc.fill_null(text, "")


def _has_special(text) -> bool:
    """Return whether any value holds a comma, a quote or a line break."""
    chunks = text.chunks if isinstance(text, pa.ChunkedArray) else [text]
    marks = np.frombuffer(b',"\n\r', dtype=np.uint8)
    return any(np.isin(_own_bytes(chunk), marks).any() for chunk in chunks)


def _text_bytes(rows: pa.Array) -> np.ndarray:
    """Return the rows of a string array laid end to end (a view, not a copy)."""
    if isinstance(rows, pa.ChunkedArray):  # columns that pandas holds in several chunks
        rows = rows.combine_chunks()
    return _own_bytes(rows)


def _own_bytes(text: pa.Array) -> np.ndarray:
    """Return the bytes of a string array's values (a slice shares its parent's buffer)."""
    _, offsets, data = text.buffers()
    if data is None or len(text) == 0:
        return np.zeros(0, dtype=np.uint8)
    width = np.int64 if pa.types.is_large_string(text.type) else np.int32
    ends = np.frombuffer(offsets, dtype=width)[[text.offset, text.offset + len(text)]]
    return np.frombuffer(data, dtype=np.uint8)[ends[0]:ends[1]]


def stable_ids(page: str) -> str:
    """Return a Folium page whose random element ids are numbered in order of appearance.

    Examples
    --------
    >>> stable_ids("map_0123456789abcdef0123456789abcdef x "
    ...            "geo_json_0123456789abcdef0123456789abcdef_styler")
    'map_00000000000000000000000000000001 x geo_json_00000000000000000000000000000001_styler'
    """
    numbers: dict[str, str] = {}

    def number(match):
        key = match.group(1)
        numbers.setdefault(key, f"{len(numbers) + 1:032d}")
        return "_" + numbers[key]

    return re.sub(r"_([0-9a-f]{32})(?![0-9a-f])", number, page)


def interviews_table(interviews: pd.DataFrame, audience: str = "supervisor") -> pd.DataFrame:
    """Return the rows of ``interviews.csv``: one per input row, input order, no coordinates."""
    return interviews[_interview_columns(interviews.columns, audience)]


def interview_rows(result, audience: str = "supervisor"):
    """Return ``interviews.csv``'s rows of a run: a frame, or frames (a run by parts)."""
    if result.interviews is not None:
        return interviews_table(result.interviews, audience)
    spilled = result.spilled
    return spilled.frames(_interview_columns(spilled.columns, audience))


def _interview_columns(present, audience) -> list[str]:
    columns = [c for c in INTERVIEW_COLUMNS if c in present]
    if audience == "planner":
        columns = [c for c in columns if c not in SUPERVISOR_ONLY]
    return columns


def levels(result, crs="EPSG:4326") -> dict[str, gpd.GeoDataFrame]:
    """Return coverage rows joined to polygons, one frame per level that has polygons."""
    table = result.coverage
    kelurahan = result.kelurahan[["kelurahan_code", "kecamatan_code", "geometry"]]
    shapes = {
        "kecamatan": topology.dissolve(kelurahan, "kecamatan_code")
        .rename(columns={"kecamatan_code": "code"}),
        "kelurahan": kelurahan.rename(columns={"kelurahan_code": "code"})[["code", "geometry"]],
    }
    if result.units is not None:
        units = result.units.dropna(subset=["rt", "kelurahan_code"])
        rw = topology.dissolve(units, ["kelurahan_code", "rw"])
        shapes["rw"] = rw.assign(code=rw["kelurahan_code"] + rw["rw"])[["code", "geometry"]]
        rt = topology.dissolve(units, ["kelurahan_code", "rw", "rt"])
        shapes["rt"] = rt.assign(code=rt["kelurahan_code"] + rt["rw"] + rt["rt"])[
            ["code", "geometry"]]
    out = {}
    for level, frame in shapes.items():
        rows = table[table["level"].eq(level)]
        out[level] = gpd.GeoDataFrame(frame.merge(rows, on="code"), geometry="geometry",
                                      crs=frame.crs).to_crs(crs)
    return out


def worklist_sheets(result, audience: str = "supervisor", lang: str = "id") -> dict:
    """Return the worklist's sheets; planners get the RTs to revisit only, without officers."""
    from cakupan.detect.enumerators import score_enumerators
    from cakupan.render.worklist import LABELS, build_worklist

    counts = result.tally
    sheets = build_worklist(result.coverage, counts,
                            score_enumerators(counts.enumerators, counts.officers), lang=lang)
    if audience == "planner":
        name = LABELS[lang]["sheet"]["revisit"]
        officers = [LABELS[lang]["column"][c] for c in ("supervisor_id", "enumerator_id")]
        sheets = {name: sheets[name].drop(columns=officers, errors="ignore")}
    return sheets


def write_outputs(result, out: Path, inputs=None, config: Config = Config(),
                  audience: str = "supervisor", lang: str = "id", html: bool = True,
                  processes: int | None = None, detail=None) -> dict[str, Path]:
    """Write every contract file of a run to ``out`` and return their paths.

    ``html=False`` leaves out ``map.html`` and ``report.html`` (the slowest to build at
    province size); a stale copy from an earlier run in ``out`` is removed. Given two
    processes or more (default: :func:`cakupan._processes.available`), ``interviews.csv``
    is written here while a forked process writes the other files. ``detail(text)``, if
    given, is told how many rows of ``interviews.csv`` are written.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    paths = {name: out / name for name in (
        "coverage.csv", "interviews.csv", "gaps.geojson", "coverage.gpkg", "map.html",
        "report.html", "worklist.xlsx", "manifest.json") if html or not name.endswith(".html")}
    if not html:
        for name in ("map.html", "report.html"):
            (out / name).unlink(missing_ok=True)
    global _WRITING
    _WRITING = (result, paths, config, audience, lang, html)
    rows = _told(interview_rows(result, audience), result.accounting, detail)
    try:
        if (_processes.available() if processes is None else processes) > 1:
            with _processes.pool(1) as pool:
                others = pool.submit(_write_others)
                write_csv(paths["interviews.csv"], rows)
                others.result()
        else:
            write_csv(paths["interviews.csv"], rows)
            _write_others()
    finally:
        _WRITING = None
    write_text(paths["manifest.json"], json.dumps(
        manifest(result, inputs, config, audience, lang, paths), indent=2, ensure_ascii=False)
        + "\n")
    return paths


def _told(rows, accounting: dict, detail):
    """Return ``rows`` of ``interviews.csv`` as :func:`write_csv` takes them.

    Given ``detail``, it is told how many are written, slice after slice.
    """
    if detail is None:
        return rows
    total = accounting["interviews"]["rows_read"]

    def frames():
        done = 0
        for frame in _slices(rows) if isinstance(rows, pd.DataFrame) else rows:
            yield frame
            done += len(frame)
            detail(f"{done:,}/{total:,} rows of interviews.csv written")

    return frames()


#: What :func:`write_outputs` is writing, for the process it forks.
_WRITING: tuple | None = None


def _write_others() -> None:
    """Write every file of :data:`_WRITING` but ``interviews.csv`` and the manifest."""
    from cakupan.render._xlsx import write_xlsx

    result, paths, config, audience, lang, html = _WRITING
    write_csv(paths["coverage.csv"], result.coverage)
    with atomic(paths["gaps.geojson"]) as tmp:
        result.gaps.to_file(tmp, driver="GeoJSON", engine="pyogrio")
    with atomic(paths["coverage.gpkg"]) as tmp:
        for level, frame in levels(result).items():
            frame.to_file(tmp, layer=level, driver="GPKG", engine="pyogrio")
        if len(result.gaps):
            result.gaps.to_file(tmp, layer="gaps", driver="GPKG", engine="pyogrio")
    if html:
        _write_html(result, paths, config, audience, lang)
    write_xlsx(paths["worklist.xlsx"], worklist_sheets(result, audience, lang))


def result_map(result, config: Config = Config(), audience: str = "supervisor",
               lang: str = "id"):
    """Return the coverage map of a run as a :class:`folium.Map` (what ``map.html`` holds)."""
    return maps.coverage_map(result.coverage, result.kelurahan, result.units, result.gaps,
                             lang=lang, simplify_m=config.map.simplify_m,
                             interviews=result.tally, audience=audience,
                             thresholds=(config.coverage.under_ratio, config.coverage.over_ratio))


def _write_html(result, paths, config, audience, lang) -> None:
    page = result_map(result, config, audience, lang).get_root().render()
    write_text(paths["map.html"], stable_ids(page))
    write_text(paths["report.html"], report.render_report(
        result.coverage, result.accounting, lang, interviews=result.tally,
        thresholds=(config.coverage.under_ratio, config.coverage.over_ratio)))


def sha256(path: Path) -> str:
    """Return the SHA-256 of a file."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def manifest(result, inputs, config, audience, lang, paths) -> dict:
    """Return the manifest: inputs with SHA-256, settings, versions, row accounting."""
    import folium
    import numpy
    import pyproj
    import shapely

    given = {}
    if inputs is not None:
        for name, path in inputs.items():
            given[name] = {"path": str(path), "bytes": path.stat().st_size,
                           "sha256": sha256(path)}
    return {
        "tool": "cakupan",
        "version": __version__,
        "created_at": datetime.now(timezone.utc).replace(microsecond=0).isoformat(),
        "inputs": given,
        "parameters": {"audience": audience, "lang": lang, **config.to_dict()},
        "versions": {
            "python": platform.python_version(),
            "pandas": pd.__version__,
            "numpy": numpy.__version__,
            "geopandas": gpd.__version__,
            "shapely": shapely.__version__,
            "pyproj": pyproj.__version__,
            "gdal": pyogrio.__gdal_version_string__,
            "folium": folium.__version__,
        },
        "row_accounting": result.accounting,
        "crosswalk": result.crosswalk,
        "outputs": sorted(p.name for p in paths.values()),
    }
