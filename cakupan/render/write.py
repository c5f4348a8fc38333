"""Write: every output file of a run, each written under a temporary name and then renamed.

Takes a run's result (:class:`cakupan._flow.Result`) and writes the files of the contract:
tables as CSV, blind spots as GeoJSON, layers in a GeoPackage, the manifest, and the pages
and worksheets that :mod:`~cakupan.render.maps`, :mod:`~cakupan.render.report` and
:mod:`~cakupan.render.worklist` build (written by :mod:`~cakupan.render._xlsx`). Builds no
content of its own but the manifest. Only this module, :mod:`~cakupan.render._xlsx` and
:mod:`cakupan.read` touch the disk. An interrupted run leaves no half file behind, and the same
inputs give the same bytes (apart from the manifest's time stamp).
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

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyogrio
import pyproj
import shapely

from cakupan import _processes
from cakupan._gdal import fixed_date
from cakupan._public import __version__
from cakupan.config import Config
from cakupan.detect import decisions
from cakupan.read import describe_table
from cakupan.render import maps, report
from cakupan.render._xlsx import write_xlsx
from cakupan.render.book import worklist_book
from cakupan.render.layers import coverage_layers
from cakupan.render.worklist import worklist_sheets

#: The columns of interviews.csv, in order; never any coordinates or personal data.
INTERVIEW_COLUMNS = (
    "source_row", "interview_id", "status", "location_check", "kelurahan_code", "rw", "rt",
    "flags", "doubtful", "severity", "repairs", "declared_kelurahan_code",
    "location_kelurahan_code", "location_rw", "location_rt", "enumerator_id", "supervisor_id",
)
#: Columns left out for the planner audience.
SUPERVISOR_ONLY = ("enumerator_id", "supervisor_id")


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


def interview_rows(result, audience: str = "supervisor"):
    """Return ``interviews.csv``'s rows of a run: a frame, or frames (a run by parts)."""
    return result.rows.select(_interview_columns(result.rows.columns, audience))


def _interview_columns(present, audience) -> list[str]:
    columns = [c for c in INTERVIEW_COLUMNS if c in present]
    if audience == "planner":
        columns = [c for c in columns if c not in SUPERVISOR_ONLY]
    return columns


#: Every file a run may write, in the manifest's order of writing.
OUTPUTS = ("coverage.csv", "interviews.csv", "gaps.geojson", "coverage.gpkg", "map.html",
           "report.html", "worklist.xlsx", "manifest.json")


def output_names(audience: str = "supervisor", html: bool = True) -> tuple[str, ...]:
    """Return the files a run writes for ``audience``.

    The planner audience gets only what is safe to share: no ``interviews.csv`` (a row per
    interview). ``html=False`` leaves out ``map.html`` and ``report.html``.

    Examples
    --------
    >>> output_names("planner", html=False)
    ('coverage.csv', 'gaps.geojson', 'coverage.gpkg', 'worklist.xlsx', 'manifest.json')
    """
    return tuple(name for name in OUTPUTS
                 if (html or not name.endswith(".html"))
                 and not (audience == "planner" and name == "interviews.csv"))


def write_outputs(result, out: Path, inputs=None, config: Config = Config(),
                  audience: str = "supervisor", lang: str = "id", html: bool = True,
                  processes: int | None = None, detail=None) -> dict[str, Path]:
    """Write every contract file of a run to ``out`` and return their paths.

    ``html=False`` leaves out ``map.html`` and ``report.html`` (the slowest to build at
    province size), the planner audience ``interviews.csv`` (:func:`output_names`); a
    stale copy of a file left out, from an earlier run in ``out``, is removed, and so is an
    earlier ``manifest.json`` until this run's is written, last. Given two
    processes or more (default: :func:`cakupan._processes.available`), ``interviews.csv``
    is written here while a forked process writes the other files. ``detail(text)``, if
    given, is told how many rows of ``interviews.csv`` are written.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    # the manifest, written last, says the folder is whole: until then an earlier one goes
    (out / "manifest.json").unlink(missing_ok=True)
    names = output_names(audience, html)
    paths = {name: out / name for name in names}
    for name in set(output_names()) - set(names):  # a stale copy from an earlier run
        (out / name).unlink(missing_ok=True)
    others = (result, paths, config, audience, lang, html)
    if "interviews.csv" not in paths:
        _write_others(*others)
    elif (_processes.available() if processes is None else processes) > 1:
        rows = _told(interview_rows(result, audience), result.accounting, detail)
        with _processes.fork(_write_others, *others) as forked:
            write_csv(paths["interviews.csv"], rows)
            forked.result()
    else:
        write_csv(paths["interviews.csv"],
                  _told(interview_rows(result, audience), result.accounting, detail))
        _write_others(*others)
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


def _write_others(result, paths, config, audience, lang, html) -> None:
    """Write every file of ``paths`` but ``interviews.csv`` and the manifest."""
    write_csv(paths["coverage.csv"], result.coverage)
    write_geojson(paths["gaps.geojson"], result.blind_spots)
    layers = coverage_layers(result)
    if len(result.blind_spots):  # under the layer name of their file
        layers["gaps"] = result.blind_spots
    write_geopackage(paths["coverage.gpkg"], layers)
    if html:
        write_text(paths["map.html"], maps.map_page(result, config, audience, lang))
        write_text(paths["report.html"], report.report_page(result, config, lang, audience))
    write_xlsx(paths["worklist.xlsx"],
               worklist_book(worklist_sheets(result, audience, lang, config), lang))


def write_geojson(path: Path, frame: gpd.GeoDataFrame) -> None:
    """Write a GeoDataFrame as GeoJSON, atomically."""
    with atomic(path) as tmp:  # the layer keeps the file's name, not the temporary one
        frame.to_file(tmp, driver="GeoJSON", engine="pyogrio", layer=Path(path).stem)


def write_geopackage(path: Path, layers: dict[str, gpd.GeoDataFrame]) -> None:
    """Write GeoDataFrames as the layers of one GeoPackage (name -> frame, in order), atomically.

    The GeoPackage carries a fixed date (:func:`cakupan._gdal.fixed_date`), so the same
    layers give the same bytes.
    """
    with atomic(path) as tmp, fixed_date():
        for name, frame in layers.items():
            frame.to_file(tmp, layer=name, driver="GPKG", engine="pyogrio")


def sha256(path: Path) -> str:
    """Return the SHA-256 of a file."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def manifest(result, inputs, config, audience, lang, paths) -> dict:
    """Return the manifest: inputs with SHA-256, settings, versions, row accounting.

    Also the data's time (``data_as_of``, the latest counted interview), whether fieldwork
    is still under way then, and whether officers' RTs were ``assigned`` or ``inferred``.
    """
    schedule = getattr(result, "schedule", None)
    given = {}
    if inputs is not None:
        for name, path in inputs.items():
            given[name] = {"path": str(path), "bytes": path.stat().st_size,
                           "sha256": sha256(path)}
            # a survey export: the table read and every row of its repeat groups accounted
            described = (describe_table(path, config.input.sheet,
                                        getattr(config.input, f"{name}_layer"))
                         if name in ("interviews", "prelist") else None)
            if described:
                given[name]["tables"] = described
    return {
        "tool": "cakupan",
        "version": __version__,
        "created_at": datetime.now(timezone.utc).replace(microsecond=0).isoformat(),
        "inputs": given,
        "parameters": {"audience": audience, "lang": lang, **config.to_dict()},
        "versions": {
            "python": platform.python_version(),
            "pandas": pd.__version__,
            "numpy": np.__version__,
            "geopandas": gpd.__version__,
            "shapely": shapely.__version__,
            "pyproj": pyproj.__version__,
            "gdal": pyogrio.__gdal_version_string__,
            "folium": folium.__version__,
        },
        "data_as_of": None if schedule is None else schedule.as_of_text or None,
        "fieldwork_under_way": None if schedule is None else schedule.during,
        "owners": None if schedule is None else ("inferred" if schedule.inferred
                                                 else "assigned"),
        "row_accounting": result.accounting,
        "crosswalk": result.crosswalk,
        **_decided(result, inputs, audience),
        "outputs": sorted(p.name for p in paths.values()),
    }


def _decided(result, inputs, audience) -> dict:
    """Return the manifest's ``decisions`` and ``changes`` (when given).

    ``decisions`` accounts for every filled row (:func:`cakupan.detect.decisions.summary`)
    and lists ``in_effect`` (``decision@key``), which a later run given ``--previous`` reads
    to tell decisions applied since; the planner's manifest has counts only.
    """
    out = {}
    supervisor = audience != "planner"
    if result.decisions is not None:
        files = getattr(inputs, "decisions", ())
        out["decisions"] = decisions.summary(result.decisions, files, personal=supervisor)
        out["decisions"]["files"] = [{"path": str(path), "sha256": sha256(path)}
                                     for path in files]
        if supervisor:
            out["decisions"]["in_effect"] = sorted(decisions.effect_keys(result.decisions))
    if result.changes is not None:
        found = result.changes
        out["changes"] = {
            "previous": found["previous"],
            "previous_created_at": found["previous_created_at"],
            "rts_newly_complete": len(found["rts_newly_complete"]),
            "rts_newly_stalled": len(found["rts_newly_stalled"]),
            "households_gained": found["households_gained"],
            "decisions_applied_since": found["decisions_applied_since"],
        }
        gained = found["gained_per_supervisor"]
        if supervisor and gained is not None:
            out["changes"]["gained_per_supervisor"] = {
                str(k): int(v) for k, v in zip(gained["supervisor_id"].fillna(""),
                                               gained["gained"], strict=True)}
    return out
